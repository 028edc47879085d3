import ArgumentParser
import Foundation
import SensorData
import SensorPretrain
import SensorTensor

/// `sensorfm bench bench-small`: the SPEC's training benchmark, one JSON line on standard output.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a reference benchmark and print its JSON line.",
        discussion: "bench-small trains the bench encoder with masked reconstruction (A) and NT-Xent (B); see Scripts/compare-pytorch.sh for the side-by-side comparison with PyTorch. loader times the data loader delivering bench-small batches (64 windows of 30 s, two augmented views, background prefetch) for --steps batches. student times single-window inference of the Swift int8 runtime on the default wrist student (--warmup, then --steps timed windows)."
    )

    @Argument(help: "The benchmark to run: bench-small, loader or student.")
    var name: String

    @Option(help: "Threads for BLAS and the engine's parallel loops.")
    var threads = 2

    @Option(help: "Timed steps per objective (after the warm-up steps).")
    var steps = 20

    @Option(help: "Warm-up steps per objective.")
    var warmup = 3

    @Option(help: "Objectives to run: A (masked reconstruction), B (contrastive) or AB.")
    var objectives = "AB"

    func validate() throws {
        guard ["bench-small", "loader", "student"].contains(name) else {
            throw ValidationError("unknown benchmark '\(name)'; available: bench-small, loader, student")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard steps >= 1, warmup >= 1 else { throw ValidationError("--steps and --warmup must be at least 1") }
        guard !objectives.isEmpty, objectives.allSatisfy({ $0 == "A" || $0 == "B" }) else {
            throw ValidationError("--objectives takes A, B or AB, got '\(objectives)'")
        }
    }

    func run() throws {
        if name == "loader" { return runLoader() }
        if name == "student" { return runStudent() }
        var options = BenchSmall.Options()
        options.threads = threads
        options.steps = steps
        options.warmupSteps = warmup
        options.objectives = objectives.map(String.init)
        print(BenchSmall.runAll(options: options))
    }

    /// One JSON line: batches and windows per second of the augmenting loader (two views per window).
    private func runLoader() {
        Threading.setThreadCount(threads)
        let batchSize = 64
        let batchesPerSecond = LoaderBenchmark.run(batches: max(steps, 1), batchSize: batchSize)
        let fields = [
            "\"benchmark\":\"loader\"", "\"batch_size\":\(batchSize)", "\"views\":2", "\"batches\":\(steps)",
            "\"threads\":\(threads)", String(format: "\"batches_per_second\":%.2f", batchesPerSecond),
            String(format: "\"windows_per_second\":%.1f", batchesPerSecond * Double(batchSize)),
        ]
        print("{" + fields.joined(separator: ",") + "}")
    }
}
