import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm evaluate CONFIG --from RUN_DIR [--run-dir DIR]`.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Run the evaluation protocol, label-fraction sweeps and baselines against a pretraining run.",
        discussion: """
            For every task, fold, label fraction and seed: the pretrained encoder in each configured mode, the same \
            architecture from scratch, the feature baseline (and peak detection for heart rate), with subject-bootstrap \
            confidence intervals and paired differences. Refuses test subjects the pretraining run saw. Writes a run folder \
            with results.json and embeddings.safetensors. Exit code \(PretrainRun.ExitCode.badConfiguration): bad config, data or run folder.
            """
    )

    @Argument(help: "The evaluation config (YAML), e.g. Experiments/evaluate-default.yaml, or a pipeline file (its evaluate section).")
    var config: String

    @Option(name: .customLong("from"), help: ArgumentHelp("The pretraining run folder whose encoder to evaluate.", valueName: "run-dir"))
    var from: String

    @OptionGroup var options: RunOptions

    func run() throws {
        let folder = try runReportingRunErrors("evaluate") {
            try EvaluationRun.start(configFile: URL(fileURLWithPath: config), overrides: options.overrides,
                                    from: URL(fileURLWithPath: from), runDirectory: options.runDirectory.map { URL(fileURLWithPath: $0) },
                                    interactive: isatty(STDERR_FILENO) == 1)
        }
        print("results: \(folder.appendingPathComponent("results.json").path)")
    }
}
