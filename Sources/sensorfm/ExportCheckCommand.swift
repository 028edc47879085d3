import ArgumentParser
import Foundation
import SensorEdge

/// `sensorfm edge …`: wearable-student export tools.
struct EdgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Wearable students: int8 export checks and device budgets.",
        subcommands: [EdgeSelfCheckCommand.self, EdgeBudgetCommand.self]
    )
}

/// `sensorfm edge selfcheck --out DIR`: writes a verification bundle (model.tflite, int8 inputs, the Swift
/// integer reference's outputs, manifest.json) for `Scripts/check_tflite.py` to replay in TFLite Micro.
struct EdgeSelfCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Write a TFLite verification bundle of a seeded random student.",
        discussion: "Builds a student with seeded random weights (default wrist signature: PPG [1,1920,1], accelerometer [1,960,3], temperature [1,120,1]), calibrates it on synthetic windows, quantizes it to int8 and writes model.tflite, inputs.bin, expected.bin and manifest.json into --out. --model golden writes the small student whose TFLite Micro outputs the Swift tests pin; --model operators a graph using every supported operator."
    )

    @Option(help: "Directory to write the bundle into (created if missing).")
    var out: String

    @Option(help: "Number of int8 input samples.")
    var samples = 200

    @Option(help: "Seed of the random student and the synthetic windows.")
    var seed: UInt64 = 7

    @Option(help: "Which model: student (default wrist signature), golden (the small student the Swift tests pin, seed 11) or operators (every supported operator, seed 13).")
    var model = "student"

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        guard ["student", "golden", "operators"].contains(model) else {
            throw ValidationError("--model takes student, golden or operators, got '\(model)'")
        }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        switch model {
        case "golden":
            try EdgeSelfCheck.writeBundle(to: directory, configuration: EdgeSelfCheck.goldenConfiguration, seed: 11,
                                          sampleCount: samples)
        case "operators":
            let graph = OperatorCoverageGraph.quantizedGraph(seed: 13)
            try EdgeExport.writeVerificationBundle(model: graph, inputs: OperatorCoverageGraph.testInputs(for: graph, count: samples, seed: 13),
                                                   to: directory)
        default:
            try EdgeSelfCheck.writeBundle(to: directory, seed: seed, sampleCount: samples)
        }
        print("edge selfcheck: wrote \(samples) samples of the \(model) model to \(directory.path)")
    }
}
