import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm evaluate CONFIG --from RUN_DIR [--run-dir DIR]` / `sensorfm evaluate --resume RUN_DIR`.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Run the evaluation protocol, label-fraction sweeps and baselines against a pretraining run.",
        discussion: """
            For every task, fold, label fraction and seed: the pretrained encoder in each configured mode, the same \
            architecture from scratch, the feature baseline (and peak detection for heart rate), with subject-bootstrap \
            confidence intervals and paired differences. Refuses test subjects the pretraining run saw. Writes a run folder \
            with results.json and embeddings.safetensors; each finished model's predictions go to cells/. SIGTERM or SIGINT \
            stops after the current model (exit \(PretrainRun.ExitCode.interrupted)); --resume (also after a crash) reuses the \
            finished cells and writes the results.json an uninterrupted run writes. Exit codes: \
            \(PretrainRun.ExitCode.badConfiguration) bad config, data or run folder, \(PretrainRun.ExitCode.locked) run folder in use.
            """
    )

    @Argument(help: "The evaluation config (YAML), e.g. Experiments/evaluate-default.yaml, or a pipeline file (its evaluate section).")
    var config: String?

    @Option(name: .customLong("from"), help: ArgumentHelp("The pretraining run folder whose encoder to evaluate.", valueName: "run-dir"))
    var from: String?

    @Option(help: ArgumentHelp("Continue the evaluation run in this folder.", valueName: "run-dir"))
    var resume: String?

    @OptionGroup var options: RunOptions

    func validate() throws {
        guard (config != nil && from != nil && resume == nil) || (config == nil && from == nil && resume != nil) else {
            throw ValidationError("give CONFIG --from RUN_DIR, or --resume RUN_DIR")
        }
        if resume != nil, !options.isEmpty {
            throw ValidationError("--resume continues with the run's own config.yaml; --set, --seed, --threads and --run-dir do not apply")
        }
    }

    func run() throws {
        let interactive = isatty(STDERR_FILENO) == 1
        let stop = StopSignals()
        let (folder, outcome) = try runReportingRunErrors("evaluate") {
            if let resume {
                return try EvaluationRun.resume(runDirectory: URL(fileURLWithPath: resume), interactive: interactive, stop: stop)
            }
            return try EvaluationRun.start(configFile: URL(fileURLWithPath: config!), overrides: options.overrides,
                                           from: URL(fileURLWithPath: from!), runDirectory: options.runDirectory.map { URL(fileURLWithPath: $0) },
                                           interactive: interactive, stop: stop)
        }
        if case .interrupted = outcome { throw ExitCode(PretrainRun.ExitCode.interrupted) }
        print("results: \(folder.appendingPathComponent("results.json").path)")
    }
}
