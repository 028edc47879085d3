import Foundation
import SafeTensors
import SensorData
import SensorNN
import SensorPretrain

/// The trainer's data-parallel hooks. Every rank runs the same loop on its rows of each global batch;
/// these are the points where the ranks meet (all collective, so every rank calls them at the same
/// steps): the state broadcast before training, the gradient average after each backward pass, the
/// logged losses and the stop decision. With one process each is the identity.
extension Trainer {
    /// Rank `rank`'s rows of every global batch, or nil in one process.
    /// - Throws: `ConfigError` at `training.batch_size` when the ranks do not divide the batch.
    static func shard(_ configuration: RunConfiguration, communicator: any Communicator) throws -> BatchShard? {
        let ranks = communicator.size, batch = configuration.training.batchSize
        guard ranks > 1 else { return nil }
        guard batch % ranks == 0 else {
            throw configuration.error(.inconsistent, at: "training.batch_size",
                                      "the global batch of \(batch) does not split evenly over \(ranks) ranks; use a multiple of \(ranks) (e.g. \(batch / ranks * ranks + ranks)) or another rank count")
        }
        return BatchShard(rank: communicator.rank, of: ranks, globalSize: batch)
    }

    /// The subjects of the global batch `batch` is this rank's part of, when an objective pairs windows
    /// by subject (a collective call on every rank); nil in one process.
    func globalSubjects(of batch: Batch) -> [String]? {
        guard let rowExchange, model.specs.contains(where: { if case .subjectAware = $0.kind { true } else { false } }) else { return nil }
        return rowExchange.globalSubjects(windowIndices: batch.windowIndices, windows: data.train)
    }

    /// Makes every rank hold rank 0's weights, optimizer state and step: rank 0's state as an in-memory
    /// checkpoint, broadcast and restored with the checks of a resume. After a resume on rank 0 this
    /// carries the resumed state, so only rank 0 needs to read the run folder.
    func synchronizeStateFromRoot() throws {
        guard communicator.size > 1 else { return }
        let bytes = try communicator.broadcast(bytes: communicator.isRoot ? [UInt8](makeCheckpoint().file.serialized()) : [])
        guard !communicator.isRoot else { return }
        let source = "<state broadcast by rank 0>"
        try restore(Checkpoint(file: SafeTensorsFile(data: Data(bytes), source: source), source: source))
    }

    /// The step's losses averaged over the ranks (each rank's are means over its rows, and the ranks
    /// hold equal parts, so this is the global batch's mean). Per-modality parts and collapse monitors
    /// other than the objectives' own losses stay rank 0's.
    func meanOverRanks(_ losses: StepLosses, total: Double) throws -> (StepLosses, Double) {
        guard communicator.size > 1 else { return (losses, total) }
        var values = [total] + losses.perObjective.map(\.1)
        try communicator.allReduceSum(&values)
        let ranks = Double(communicator.size)
        var mean = losses
        mean.perObjective = zip(losses.perObjective, values.dropFirst()).map { ($0.0, $1 / ranks) }
        let objectives = Dictionary(uniqueKeysWithValues: mean.perObjective.map { ($0.0, $0.1) })
        mean.terms = losses.terms.map { ($0.0, objectives[$0.0] ?? $0.1) }
        return (mean, values[0] / ranks)
    }

    /// The stop signal, once any rank received one (so that all stop after the same step).
    func agreedStopSignal() throws -> Int32? {
        let local = stop?.receivedSignal
        guard communicator.size > 1 else { return local }
        var flags = [Double(local ?? 0), local == nil ? 0 : 1]
        try communicator.allReduceSum(&flags)
        guard flags[1] > 0 else { return nil }
        return local ?? Int32(flags[0] / flags[1])
    }

    /// Logs the time the gradient all-reduce took, to judge what overlapping it with backward could gain.
    func logCommunicationTime(steps: Int) {
        guard let gradientAverager, steps > 0 else { return }
        let seconds = gradientAverager.takeSeconds()
        let floats = gradientAverager.parameters.reduce(0) { $0 + $1.count }
        logger.info("gradient all-reduce over \(communicator.size) ranks: \(gradientAverager.buckets.count) buckets, \(floats * 4) bytes, \(String(format: "%.2f", seconds * 1000 / Double(steps))) ms per step")
    }
}
