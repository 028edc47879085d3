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
        discussion: "bench-small trains the bench encoder with masked reconstruction (A) and NT-Xent (B); see Scripts/compare-pytorch.sh for the side-by-side comparison with PyTorch. loader times the data loader delivering bench-small batches (64 windows of 30 s, background prefetch) for --steps batches, best of --repeats runs, in both workloads: A (one un-augmented view per window) and B (two augmented views); with --step-rate-a/--step-rate-b (training steps/s, e.g. from bench-small; see Scripts/bench-loader.sh) it prints how many times faster the loader is. student times single-window inference of the Swift int8 runtime on the default wrist student (--warmup, then --steps timed windows)."
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

    @Option(help: "loader: timed runs per workload; the best is reported.")
    var repeats = 3

    @Option(name: .customLong("step-rate-a"), help: "loader: training steps/s of objective A, to print the loader's ratio to it.")
    var stepRateA: Double?

    @Option(name: .customLong("step-rate-b"), help: "loader: training steps/s of objective B, to print the loader's ratio to it.")
    var stepRateB: Double?

    func validate() throws {
        guard ["bench-small", "loader", "student"].contains(name) else {
            throw ValidationError("unknown benchmark '\(name)'; available: bench-small, loader, student")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard steps >= 1, warmup >= 1 else { throw ValidationError("--steps and --warmup must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
        for (flag, rate) in [("--step-rate-a", stepRateA), ("--step-rate-b", stepRateB)] {
            if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("\(flag) must be a positive number of steps/s, got \(rate)") }
        }
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

    /// One JSON line: per workload, batches and windows per second (best of `repeats`), and the ratio
    /// to the given training step rate.
    private func runLoader() {
        Threading.setThreadCount(threads)
        let batchSize = 64
        let windows = LoaderBenchmark.windows()
        var fields = [
            "\"benchmark\":\"loader\"", "\"batch_size\":\(batchSize)", "\"batches\":\(steps)", "\"repeats\":\(repeats)",
            "\"threads\":\(threads)",
        ]
        for workload in LoaderBenchmark.Workload.allCases {
            let best = (0..<repeats).map { _ in LoaderBenchmark.run(workload, windows: windows, batches: steps, batchSize: batchSize) }.max()!
            var entry = [
                "\"views\":\(workload == .singleView ? 1 : 2)", "\"augmented\":\(workload == .augmentedPair)",
                String(format: "\"batches_per_second\":%.2f", best), String(format: "\"windows_per_second\":%.1f", best * Double(batchSize)),
            ]
            if let rate = workload == .singleView ? stepRateA : stepRateB {
                entry.append(String(format: "\"step_rate\":%.3f", rate))
                entry.append(String(format: "\"times_step_rate\":%.1f", best / rate))
            }
            fields.append("\"\(workload.rawValue)\":{" + entry.joined(separator: ",") + "}")
        }
        print("{" + fields.joined(separator: ",") + "}")
    }
}
