import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm pretrain CONFIG` / `sensorfm pretrain --resume RUN_DIR`.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain an encoder with self-supervised objectives from a YAML config.",
        discussion: """
            Writes a run folder (config.yaml, meta.json, metrics.jsonl, train.log, checkpoints/). SIGTERM or SIGINT \
            saves a checkpoint and exits with code \(PretrainRun.ExitCode.interrupted); --resume continues bit-identically. \
            Exit codes: \(PretrainRun.ExitCode.badConfiguration) bad config or data, \(PretrainRun.ExitCode.nonFinite) NaN/Inf loss, \
            \(PretrainRun.ExitCode.locked) run folder in use. Under mpirun or srun every rank trains on its part of each \
            global batch (Open MPI, loaded at run time) and rank 0 writes the run folder.
            """
    )

    @Argument(help: "The experiment config (YAML), e.g. Experiments/smoke-pretrain.yaml, or a pipeline file (its pretrain section).")
    var config: String?

    @Option(help: ArgumentHelp("Continue the run in this folder from its last checkpoint.", valueName: "run-dir"))
    var resume: String?

    @Option(name: .customLong("tensor-digest"), help: ArgumentHelp(visibility: .hidden))
    var tensorDigest: String?

    @OptionGroup var options: RunOptions

    func validate() throws {
        let modes = [config != nil, resume != nil, tensorDigest != nil].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give a CONFIG file or --resume RUN_DIR (one of them)") }
        if resume != nil, !options.isEmpty {
            throw ValidationError("--resume continues with the run's own config.yaml; --set, --seed, --threads and --run-dir do not apply")
        }
    }

    func run() throws {
        if let tensorDigest {
            print(try PretrainRun.tensorDigest(checkpoint: URL(fileURLWithPath: tensorDigest)))
            return
        }
        let communicator: any Communicator
        do { communicator = try MPICommunicator.forThisProcess() } catch { self.fail("error: \(error)", code: 1) }
        let interactive = isatty(STDERR_FILENO) == 1
        let stop = StopSignals()
        let outcome: TrainingOutcome
        func fail(_ message: String, code: Int32) -> Never { self.fail(message, code: code, communicator: communicator) }
        do {
            if let resume {
                outcome = try PretrainRun.resume(runDirectory: URL(fileURLWithPath: resume), interactive: interactive, stop: stop,
                                                 communicator: communicator)
            } else {
                outcome = try PretrainRun.start(configFile: URL(fileURLWithPath: config!), overrides: options.overrides,
                                                runDirectory: options.runDirectory.map { URL(fileURLWithPath: $0) },
                                                interactive: interactive, stop: stop, communicator: communicator)
            }
        } catch let error as ConfigError {
            fail("configuration error: \(error)", code: PretrainRun.ExitCode.badConfiguration)
        } catch let error as RunError {
            switch error {
            case .nonFiniteLoss: fail("error: \(error)", code: PretrainRun.ExitCode.nonFinite)
            case .locked: fail("error: \(error)", code: PretrainRun.ExitCode.locked)
            default: fail("error: \(error)", code: 1)
            }
        } catch where communicator.size > 1 {
            fail("error: \(error)", code: 1)
        }
        communicator.finalize()
        if case .interrupted = outcome { throw ExitCode(PretrainRun.ExitCode.interrupted) }
    }

    /// Prints `message` and exits with `code`; under MPI it names the rank and aborts the whole job
    /// (the others would wait for this rank forever), leaving the last checkpoint as it was.
    private func fail(_ message: String, code: Int32, communicator: (any Communicator)? = nil) -> Never {
        guard let communicator, communicator.size > 1 else {
            FileHandle.standardError.write(Data("sensorfm pretrain: \(message)\n".utf8))
            Foundation.exit(code)
        }
        communicator.abort(code: code, message: "sensorfm pretrain (rank \(communicator.rank) of \(communicator.size)): \(message); stopping every rank (the last checkpoint is intact)")
    }
}
