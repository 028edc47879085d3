import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm finetune CONFIG --from RUN_DIR` / `sensorfm finetune --resume RUN_DIR`.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained encoder with a head per task (for sensorfm predict).",
        discussion: """
            Trains one model per task of the evaluation config (its first mode, largest label fraction and first seed) \
            on the training subjects and scores it on the test subjects. Writes a run folder (config.yaml, \
            pretraining-config.yaml, meta.json, metrics.jsonl, train.log, models/TASK.safetensors, results.json). \
            SIGTERM or SIGINT stops after the current task (exit \(PretrainRun.ExitCode.interrupted)); --resume trains the rest. \
            Exit codes: \(PretrainRun.ExitCode.badConfiguration) bad config, data or run folder, \(PretrainRun.ExitCode.nonFinite) NaN/Inf loss, \
            \(PretrainRun.ExitCode.locked) run folder in use.
            """
    )

    @Argument(help: "The evaluation config (YAML), e.g. Experiments/smoke-finetune.yaml, or a pipeline file (its finetune section).")
    var config: String?

    @Option(name: .customLong("from"), help: ArgumentHelp("The pretraining run folder whose encoder to fine-tune.", valueName: "run-dir"))
    var from: String?

    @Option(help: ArgumentHelp("Continue the fine-tuning run in this folder.", valueName: "run-dir"))
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
        let outcome = try runReportingRunErrors("finetune") {
            if let resume {
                return try FineTuneRun.resume(runDirectory: URL(fileURLWithPath: resume), interactive: interactive, stop: stop).outcome
            }
            return try FineTuneRun.start(configFile: URL(fileURLWithPath: config!), overrides: options.overrides,
                                         from: URL(fileURLWithPath: from!), runDirectory: options.runDirectory.map { URL(fileURLWithPath: $0) },
                                         interactive: interactive, stop: stop).outcome
        }
        if case .interrupted = outcome { throw ExitCode(PretrainRun.ExitCode.interrupted) }
    }
}

/// Runs a command body, turning configuration and run errors into one `sensorfm COMMAND: …` line on
/// standard error and the documented exit codes.
func runReportingRunErrors<Result>(_ command: String, _ body: () throws -> Result) throws -> Result {
    func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("sensorfm \(command): \(message)\n".utf8))
        Foundation.exit(code)
    }
    do {
        return try body()
    } catch let error as ConfigError {
        fail("configuration error: \(error)", code: PretrainRun.ExitCode.badConfiguration)
    } catch let error as RunError {
        switch error {
        case .nonFiniteLoss: fail("error: \(error)", code: PretrainRun.ExitCode.nonFinite)
        case .locked: fail("error: \(error)", code: PretrainRun.ExitCode.locked)
        case .notARun, .alreadyExists: fail("error: \(error)", code: PretrainRun.ExitCode.badConfiguration)
        case .io: fail("error: \(error)", code: 1)
        }
    } catch let error as ExitCode {
        throw error
    } catch {
        fail("error: \(error)", code: 1)
    }
}
