import ArgumentParser
import SensorPretrain

/// `sensorfm bench bench-small`: the SPEC's training benchmark, one JSON line on standard output.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a reference benchmark and print its JSON line.",
        discussion: "bench-small trains the bench encoder with masked reconstruction (A) and NT-Xent (B); see Scripts/compare-pytorch.sh for the side-by-side comparison with PyTorch."
    )

    @Argument(help: "The benchmark to run: bench-small.")
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
        guard name == "bench-small" else { throw ValidationError("unknown benchmark '\(name)'; available: bench-small") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard steps >= 1, warmup >= 1 else { throw ValidationError("--steps and --warmup must be at least 1") }
        guard !objectives.isEmpty, objectives.allSatisfy({ $0 == "A" || $0 == "B" }) else {
            throw ValidationError("--objectives takes A, B or AB, got '\(objectives)'")
        }
    }

    func run() throws {
        var options = BenchSmall.Options()
        options.threads = threads
        options.steps = steps
        options.warmupSteps = warmup
        options.objectives = objectives.map(String.init)
        print(BenchSmall.runAll(options: options))
    }
}
