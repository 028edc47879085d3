import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm run PIPELINE.yaml`: the main job, every stage from one config file.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline: data, pretrain, evaluate, finetune, distill, export + TFLite Micro check, report.",
        discussion: """
            A pipeline file (e.g. Experiments/quickstart.yaml) has a top-level `stages` list and one section per \
            stage in that stage command's own schema; name, seed, threads and data at the top are shared. Each stage \
            writes its folder STAGE-HASH in the run folder (default ./runs/NAME), HASH covering its resolved config and \
            its inputs: a completed stage is reused, an interrupted one resumed (pretrain, finetune) or run again, so \
            running the same command after a crash or kill -9 continues where it stopped, and a changed section re-runs \
            that stage and the later ones only. Prints a line per stage (ran, resumed or reused), then five summary lines \
            (data, pretraining, label efficiency, student, runtime); the last line is 'report: ABSOLUTE_PATH'. \
            SIGTERM or SIGINT stops after the current training step or stage (exit \(PretrainRun.ExitCode.interrupted)). \
            Exit codes: \(PretrainRun.ExitCode.badConfiguration) bad config or data, \(PretrainRun.ExitCode.nonFinite) NaN/Inf loss, \
            \(PretrainRun.ExitCode.locked) run folder in use.
            """
    )

    @Argument(help: "The pipeline file (YAML), e.g. Experiments/quickstart.yaml; its relative paths resolve against its folder.")
    var config: String

    @Option(name: .customLong("run-dir"), help: ArgumentHelp("The pipeline's run folder (default: ./runs/NAME).", valueName: "dir"))
    var runDirectory: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value of the pipeline file, e.g. --set pretrain.optimizer.lr=3e-4 or --set evaluate.seeds=[0] (repeatable; the value is YAML).",
                                                         valueName: "key=value"))
    var assignments: [String] = []

    @Option(help: "Threads of every stage (overrides the file's threads, including a section's own).")
    var threads: Int?

    @Option(help: "Seed of every stage that takes the shared seed (overrides the file's top-level seed).")
    var seed: UInt64?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        for assignment in assignments where !assignment.contains("=") {
            throw ValidationError("--set takes KEY=VALUE (e.g. pretrain.optimizer.lr=3e-4), got '\(assignment)'")
        }
    }

    func run() throws {
        let file = URL(fileURLWithPath: config)
        let stop = StopSignals()
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        let result = try runReportingRunErrors("run") { () throws -> PipelineRun.Result in
            do {
                var overrides = assignments + (seed.map { ["seed=\($0)"] } ?? [])
                if let threads { overrides += try PipelineOverrides.threads(threads, file: file) }
                return try PipelineRun.run(file: file, overrides: overrides, runDirectory: runDirectory.map { URL(fileURLWithPath: $0) },
                                           interactive: isatty(STDERR_FILENO) == 1, stop: stop, executable: executable) { status in
                    // Unbuffered, so each stage's line shows when the stage ends (also under cron or Slurm).
                    FileHandle.standardOutput.write(Data((status.line + "\n").utf8))
                }
            } catch let interrupted as PipelineRun.Interrupted {
                FileHandle.standardError.write(Data("sensorfm run: \(interrupted)\n".utf8))
                throw ExitCode(PretrainRun.ExitCode.interrupted)
            }
        }
        let lines = result.summary + (result.report.map { ["report: \($0.path)"] } ?? [])
        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}
