import ArgumentParser
import Foundation

/// Options shared by every training command (`pretrain`, `finetune`, `evaluate`, `distill`).
struct RunOptions: ParsableArguments {
    @Option(name: .customLong("run-dir"), help: ArgumentHelp("Run folder (default: ./runs/NAME-TIMESTAMP).", valueName: "dir"))
    var runDirectory: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value, e.g. --set optimizer.lr=3e-4 (repeatable; the value is YAML; given a pipeline file, keys of the command's section).",
                                                         valueName: "key=value"))
    var assignments: [String] = []

    @Option(help: "Threads for BLAS and the engine's loops (overrides the config's threads).")
    var threads: Int?

    @Option(help: "Run seed (overrides the config's seed).")
    var seed: UInt64?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        for assignment in assignments where !assignment.contains("=") {
            throw ValidationError("--set takes KEY=VALUE (e.g. optimizer.lr=3e-4), got '\(assignment)'")
        }
    }

    /// `--set` values, then `--seed` and `--threads` as the same kind of override.
    var overrides: [String] {
        assignments + (seed.map { ["seed=\($0)"] } ?? []) + (threads.map { ["threads=\($0)"] } ?? [])
    }

    /// True when no option was given (resume accepts none: the run's own config decides).
    var isEmpty: Bool { runDirectory == nil && assignments.isEmpty && threads == nil && seed == nil }
}
