import ArgumentParser

/// The options `sensorfm predict` and `sensorfm embed` share: the dataset to run a trained model on,
/// the file to write and the thread budget.
struct InferenceOptions: ParsableArguments {
    @Option(help: "The dataset folder to run the model on.")
    var data: String

    @Option(help: "The file to write (must not exist).")
    var out: String

    @Option(help: "Threads for BLAS and the engine's loops.")
    var threads = 2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }
}
