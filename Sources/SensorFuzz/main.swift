// sensorfm-fuzz: fuzzes the project's file readers and cross-checks safetensors files with Python.
//
//   sensorfm-fuzz list                                   names of the registered fuzz targets
//   sensorfm-fuzz TARGET [--iterations N] [--seed S] [--first I] [--verbose]
//                                                        fuzz one target (default 100000 iterations, seed 1)
//   sensorfm-fuzz roundtrip DIR                          write DIR/from-swift, check DIR/from-python
//
// Scripts/fuzz.sh runs every target; Scripts/safetensors_roundtrip.py is the Python half of `roundtrip`.
import Foundation

/// The registered fuzz targets; fuzzing another reader is one more line here.
let fuzzTargets: [any FuzzTarget] = [
    SafeTensorsFuzzTarget(),
    E4CSVFuzzTarget(),
    WESADQuestFuzzTarget(),
    CollectionLabelsFuzzTarget(),
    CSVDescriptionFuzzTarget(),
    DatasetManifestFuzzTarget(),
    RunConfigFuzzTarget(),
]

@MainActor
func exitWithUsage(_ problem: String) -> Never {
    let names = fuzzTargets.map(\.name).joined(separator: ", ")
    FileHandle.standardError.write(Data("""
        sensorfm-fuzz: \(problem)
        usage: sensorfm-fuzz list
               sensorfm-fuzz TARGET [--iterations N] [--seed S] [--first I] [--verbose]   (targets: \(names))
               sensorfm-fuzz roundtrip DIR

        """.utf8))
    exit(2)
}

/// Parses `--iterations N --seed S --first I --verbose` in any order.
@MainActor
func parseFuzzOptions(_ arguments: ArraySlice<String>) -> FuzzOptions {
    var options = FuzzOptions()
    var remaining = arguments
    while let flag = remaining.popFirst() {
        if flag == "--verbose" {
            options.verbose = true
            continue
        }
        guard let value = remaining.popFirst() else { exitWithUsage("\(flag) needs a value") }
        switch flag {
        case "--iterations":
            guard let count = Int(value), count >= 0 else { exitWithUsage("--iterations needs a non-negative integer, got '\(value)'") }
            options.iterations = count
        case "--seed":
            guard let seed = UInt64(value) else { exitWithUsage("--seed needs an unsigned integer, got '\(value)'") }
            options.seed = seed
        case "--first":
            guard let first = Int(value), first >= 0 else { exitWithUsage("--first needs a non-negative integer, got '\(value)'") }
            options.first = first
        default:
            exitWithUsage("unknown option '\(flag)'")
        }
    }
    return options
}

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else { exitWithUsage("missing command") }
switch command {
case "list":
    for target in fuzzTargets { print(target.name) }
case "roundtrip":
    guard arguments.count == 2 else { exitWithUsage("roundtrip needs exactly one folder") }
    let folder = URL(fileURLWithPath: arguments[arguments.startIndex + 1], isDirectory: true)
    exit(SafeTensorsRoundTrip.run(folder: folder) ? 0 : 1)
default:
    guard let target = fuzzTargets.first(where: { $0.name == command }) else { exitWithUsage("unknown command '\(command)'") }
    let passed = FuzzDriver.run(target, options: parseFuzzOptions(arguments.dropFirst()))
    exit(passed ? 0 : 1)
}
