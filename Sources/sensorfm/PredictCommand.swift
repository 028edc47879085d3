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

    @OptionGroup var options: InferenceOptions

    func run() throws {
        let target = URL(fileURLWithPath: options.out).standardizedFileURL
        let rows = try runReportingRunErrors("predict") {
            try PredictionRun.predict(runDirectory: URL(fileURLWithPath: runDirectory), data: URL(fileURLWithPath: options.data), out: target,
                                      threads: options.threads)
        }
        print("predict: \(rows) windows -> \(target.path)")
    }
}
