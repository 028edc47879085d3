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

    @OptionGroup var options: InferenceOptions

    func run() throws {
        let target = URL(fileURLWithPath: options.out).standardizedFileURL
        let rows = try runReportingRunErrors("embed") {
            try PredictionRun.embed(runDirectory: URL(fileURLWithPath: runDirectory), data: URL(fileURLWithPath: options.data), out: target,
                                    threads: options.threads)
        }
        print("embed: \(rows) windows -> \(target.path)")
    }
}
