import Foundation
import Testing
import SensorTensor
@testable import SensorEdge

/// The C export compiled with the host C compiler gives byte-identical outputs to the Swift integer runtime,
/// through both entry points (int8 inputs, and raw inputs normalised and quantized in C).
@Suite struct EdgeCExportTests {
    /// The first of cc, gcc, clang on PATH; the tests fail (not skip) without one.
    static func compiler() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["cc", "gcc", "clang"] {
            for directory in path.split(separator: ":") {
                let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }

    /// Runs `executable` with `arguments`; returns its exit status and standard output.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self) + String(decoding: errorData, as: UTF8.self)
        return (process.terminationStatus, text)
    }

    /// Exports `graph`, compiles it with the check harness and returns the printed output lines by
    /// "kind sample output" (or nil after recording why).
    static func compileAndRun(graph: EdgeGraph, normalization: InputNormalization, raw: [[[Float]]],
                              int8: [[[Int8]]]) throws -> [String: [Int8]]? {
        guard let cc = compiler() else {
            Issue.record("no C compiler (cc, gcc or clang) on PATH: the C export cannot be checked")
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sensorfm-cexport-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files = CExport.sources(graph: graph, normalization: normalization)
        files.append(("sensorfm_check.c", CExport.checkHarness(graph: graph, normalization: normalization, raw: raw, int8: int8)))
        files.append(("host_main.c", CExport.hostMain))
        try CExport.write(files, to: directory)
        let (status, log) = try run(cc, ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-o", "check",
                                          "host_main.c", "sensorfm_check.c", "sensorfm_model.c"], in: directory)
        guard status == 0 else {
            Issue.record("\(cc.path) failed (\(status)):\n\(log)")
            return nil
        }
        let (exit, output) = try run(directory.appendingPathComponent("check"), [], in: directory)
        #expect(exit == 0, "check harness reported mismatches:\n\(output.suffix(400))")
        #expect(output.contains("sensorfm_check: \(raw.count) samples, 0 mismatching outputs"))
        var printed: [String: [Int8]] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("sensorfm_check") else { continue }
            printed[String(line[..<colon])] = line[line.index(after: colon)...].split(separator: " ").map { Int8($0)! }
        }
        return printed
    }

    static func check(graph: EdgeGraph, raw: [[[Float]]], int8: [[[Int8]]]) throws {
        let normalization = InputNormalization.fitted(to: raw, graph: graph)
        guard let printed = try compileAndRun(graph: graph, normalization: normalization, raw: raw, int8: int8) else { return }
        let runtime = IntegerRuntime(graph: graph)
        let names = graph.outputs.map { CExport.identifier(graph.tensors[$0].name) }
        for sample in raw.indices {
            let fromInt8 = runtime.run(int8[sample])
            let fromRaw = runtime.run(normalization.quantize(raw[sample], for: graph))
            for (index, name) in names.enumerated() {
                #expect(printed["int8 \(sample) \(name)"] == fromInt8[index], "int8 sample \(sample) output \(name)")
                #expect(printed["raw \(sample) \(name)"] == fromRaw[index], "raw sample \(sample) output \(name)")
            }
        }
    }

    @Test func goldenStudentIsByteIdenticalInC() throws {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let graph = EdgeSelfCheck.quantizedStudent(configuration: configuration, seed: 11)
        var generator = RandomGenerator(seed: 21)
        var raw = EdgeSelfCheck.syntheticWindows(configuration: configuration, count: 4, generator: &generator)
        // Out-of-range samples exercise the clamp before rounding.
        raw[3][0][0] = 1e30
        raw[3][0][1] = -1e30
        let int8 = EdgeSelfCheck.testInputs(for: graph, configuration: configuration, count: 10, seed: 11).suffix(4)
        try Self.check(graph: graph, raw: raw, int8: Array(int8))
    }

    /// Every operator (ADD, SAME padding, ReLU6, RESHAPE, CONCATENATION, SOFTMAX) through the C kernels.
    @Test func operatorSetIsByteIdenticalInC() throws {
        let graph = OperatorCoverageGraph.quantizedGraph(seed: 13)
        let int8 = OperatorCoverageGraph.testInputs(for: graph, count: 4, seed: 13)
        var generator = RandomGenerator(seed: 22)
        let raw = (0..<4).map { _ in graph.inputs.map { (0..<graph.tensors[$0].count).map { _ in 3 * generator.nextNormal() } } }
        try Self.check(graph: graph, raw: raw, int8: int8)
    }

    @Test func identifiersAndLiterals() {
        #expect(CExport.identifier("ppg_unit0") == "ppg_unit0")
        #expect(CExport.identifier("a-b.c") == "a_b_c")
        #expect(CExport.literal(Int32.min) == "(-2147483647 - 1)")
        #expect(CExport.literal(Float(0.1)) == "0x1.99999ap-4f")
        #expect(CExport.literal(Float(-2)) == "-0x1p+1f")
    }
}
