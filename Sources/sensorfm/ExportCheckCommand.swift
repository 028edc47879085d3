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

    @Option(help: "int8, or 16x8 (int16 activations with int8 weights; the graph ends at the logits). 16x8 writes .tflite bundles only.")
    var arithmetic = "int8"

    @Option(help: "tflite (the verification bundle) or c (the C export with a check harness: sensorfm_model.{h,c}, sensorfm_kernels.h, sensorfm_check.c, host_main.c).")
    var format = "tflite"

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        guard ["student", "golden", "operators"].contains(model) else {
            throw ValidationError("--model takes student, golden or operators, got '\(model)'")
        }
        guard ["tflite", "c"].contains(format) else { throw ValidationError("--format takes tflite or c, got '\(format)'") }
        guard let chosen = EdgeArithmetic(rawValue: arithmetic) else {
            throw ValidationError("--arithmetic takes int8 or 16x8, got '\(arithmetic)'")
        }
        guard chosen == .int8 || format == "tflite" else { throw ValidationError("--format c exports int8 models only") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        if format == "c" {
            try writeCExport(to: directory)
            print("edge selfcheck: wrote the C export of the \(model) model with \(samples) check samples to \(directory.path)")
            return
        }
        let chosen = EdgeArithmetic(rawValue: arithmetic)!
        switch model {
        case "golden":
            try EdgeSelfCheck.writeBundle(to: directory, configuration: EdgeSelfCheck.goldenConfiguration, seed: 11,
                                          sampleCount: samples, arithmetic: chosen)
        case "operators":
            let graph = OperatorCoverageGraph.quantizedGraph(seed: 13, arithmetic: chosen)
            if chosen == .int16x8 {
                try EdgeExport.writeVerificationBundle(model: graph, inputs: OperatorCoverageGraph.testInputs16(for: graph, count: samples, seed: 13),
                                                       to: directory)
            } else {
                try EdgeExport.writeVerificationBundle(model: graph, inputs: OperatorCoverageGraph.testInputs(for: graph, count: samples, seed: 13),
                                                       to: directory)
            }
        default:
            try EdgeSelfCheck.writeBundle(to: directory, seed: seed, sampleCount: samples, arithmetic: chosen)
        }
        print("edge selfcheck: wrote \(samples) samples of the \(model) model (\(arithmetic)) to \(directory.path)")
    }

    private func writeCExport(to directory: URL) throws {
        switch model {
        case "golden":
            try EdgeSelfCheck.writeStudentCExport(to: directory, configuration: EdgeSelfCheck.goldenConfiguration, seed: 11,
                                                  sampleCount: samples)
        case "operators":
            let graph = OperatorCoverageGraph.quantizedGraph(seed: 13)
            let int8 = OperatorCoverageGraph.testInputs(for: graph, count: samples, seed: 13)
            let raw = int8.map { sample in sample.map { values in values.map { Float($0) / 32 } } }
            try EdgeSelfCheck.writeCExport(graph: graph, raw: raw, int8: int8, to: directory)
        default:
            try EdgeSelfCheck.writeStudentCExport(to: directory, seed: seed, sampleCount: samples)
        }
    }
}
