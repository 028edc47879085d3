import ArgumentParser
import Foundation
import SensorData
import SensorTensor

/// `sensorfm data synth`: writes the synthetic cohort (the built-in default data) as a dataset.
struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate the synthetic wrist cohort and write it as a windowed dataset.",
        discussion: """
            Deterministic by seed. Streams at E4 rates (ppg 64 Hz, acc 32 Hz, temp 4 Hz), 30 s windows every \
            10 s, labels activity, heart_rate (bpm) and arousal. Written atomically: nothing is left at --out \
            on failure.
            """
    )

    @Option(help: "Number of subjects.")
    var subjects: Int

    @Option(help: "Hours recorded per subject.")
    var hours: Double

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "The dataset folder to write (must not exist, be empty, or be a dataset to replace).")
    var out: String

    @Option(help: "Threads for generation.")
    var threads = 2

    func validate() throws {
        if let problem = DataCommandArguments.synthProblem(subjects: subjects, hours: hours, threads: threads) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        Threading.setThreadCount(threads)
        try runReportingDataErrors {
            let destination = URL(fileURLWithPath: out)
            if let problem = DataCommandArguments.outputProblem(destination) {
                throw DataError(.invalidValue, file: destination.path, problem)
            }
            let started = Date()
            try SyntheticCohort.writeDataset(.init(subjects: subjects, hours: hours, seed: seed), to: destination)
            let seconds = Date().timeIntervalSince(started)
            // The writer has just hashed every shard; the summary reads them back without hashing them again.
            let inspection = try DatasetInspection(directory: destination, verifiesHashes: false)
            print(inspection)
            print(String(format: "wrote %@ in %.2f s", destination.path, seconds))
            if let problem = inspection.firstProblem { throw problem }
        }
    }
}
