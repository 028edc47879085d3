import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm embed RUN_DIR --data DATASET --out embeddings.safetensors`.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write the pooled encoder embedding of every window of a dataset (safetensors).",
        discussion: "RUN_DIR is a pretraining run (its newest checkpoint) or a fine-tuning run (its first task's encoder). The file holds embeddings [N, D], start_seconds, subject_index, window_index and every window label. --out must not exist."
    )

    @Argument(help: "A pretraining or fine-tuning run folder.")
    var runDirectory: String

    @Option(help: "The dataset folder to embed.")
    var data: String

    @Option(help: "The safetensors file to write.")
    var out: String

    @Option(help: "Threads for BLAS and the engine's loops.")
    var threads = 2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let target = URL(fileURLWithPath: out).standardizedFileURL
        let rows = try runReportingRunErrors("embed") {
            try PredictionRun.embed(runDirectory: URL(fileURLWithPath: runDirectory), data: URL(fileURLWithPath: data), out: target,
                                    threads: threads)
        }
        print("embed: \(rows) windows -> \(target.path)")
    }
}
