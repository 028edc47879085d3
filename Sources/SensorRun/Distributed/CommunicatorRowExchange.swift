import SensorData
import SensorPretrain

/// `RowExchange` over the job's communicator, for the contrastive objectives' global batch. It is
/// called inside a forward pass, which cannot throw: a failed all-gather (a rank died) stops the
/// whole job with the MPI error, as any failed collective does, leaving the last checkpoint intact.
final class CommunicatorRowExchange: RowExchange {
    let communicator: any Communicator

    init(communicator: any Communicator) { self.communicator = communicator }

    var rank: Int { communicator.rank }
    var size: Int { communicator.size }

    func allGather(_ local: [Float]) -> [Float] {
        var gathered = [Float](repeating: 0, count: size * local.count)
        do {
            try local.withUnsafeBufferPointer { source in
                try gathered.withUnsafeMutableBufferPointer { try communicator.allGather(source, into: $0) }
            }
        } catch {
            communicator.abort(code: 1, message: "sensorfm pretrain (rank \(rank) of \(size)): error: \(error); stopping every rank (the last checkpoint is intact)")
        }
        return gathered
    }

    /// The subject of every window of the global batch, from each rank's window indices.
    func globalSubjects(windowIndices: [Int], windows: WindowSet) -> [String] {
        allGather(windowIndices.map { Float($0) }).map { windows.subject(ofWindow: Int($0)) }
    }
}
