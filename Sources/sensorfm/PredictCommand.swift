import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm predict RUN_DIR --data DATASET --out predictions.csv`.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every window of a dataset with a fine-tuning run's models (CSV).",
        discussion: "One row per window: recording, start_seconds, and per task the predicted class with its class probabilities, or the regressed value. --out must not exist."
    )

    @Argument(help: "A run folder written by sensorfm finetune.")
    var runDirectory: String

    @Option(help: "The dataset folder to predict.")
    var data: String

    @Option(help: "The CSV file to write.")
    var out: String

    @Option(help: "Threads for BLAS and the engine's loops.")
    var threads = 2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let target = URL(fileURLWithPath: out).standardizedFileURL
        let rows = try runReportingRunErrors("predict") {
            try PredictionRun.predict(runDirectory: URL(fileURLWithPath: runDirectory), data: URL(fileURLWithPath: data), out: target,
                                      threads: threads)
        }
        print("predict: \(rows) windows -> \(target.path)")
    }
}
