import Foundation

/// The collective operations data-parallel training needs, over every process of one job.
///
/// All calls are collective: every rank makes the same calls in the same order with the same
/// element counts, or the job hangs (MPI's rule). One process is the one-rank case of the same
/// protocol, so the trainer has a single code path.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size; rank 0 writes the run folder.
    var rank: Int { get }
    /// The number of processes in the job.
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Writes every rank's `local` into `gathered` (size × local.count values, in rank order); every
    /// rank passes the same count.
    func allGather(_ local: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws
    /// Copies `bytes` of `root` into `bytes` of every rank (the same count everywhere).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Stops every rank of the job with `code`, after printing `message` for this rank.
    func abort(code: Int32, message: String) -> Never
    /// Ends the job's communication (call once, after the last collective).
    func finalize()
}

extension Communicator {
    /// Rank 0, the one that writes checkpoints, metrics and logs.
    public var isRoot: Bool { rank == 0 }

    /// Sums `values` over all ranks (a convenience over the buffer form).
    public func allReduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try allReduceSum($0) }
    }

    /// `root`'s bytes on every rank, of whatever length `root` has (the length goes first).
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        var length = UInt64(rank == root ? bytes.count : 0)
        try withUnsafeMutableBytes(of: &length) { try broadcast($0, root: root) }
        var received = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
        try received.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return received
    }
}

/// The communicator of a process that runs alone: every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func allGather(_ local: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws {
        precondition(gathered.count == local.count, "allGather: \(gathered.count) slots for \(local.count) values of one rank")
        _ = gathered.initialize(from: local)
    }
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func barrier() throws {}
    public func abort(code: Int32, message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(code)
    }
    public func finalize() {}
}

/// A failed collective or an MPI library that cannot be used.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// libmpi could not be opened or lacks a symbol (`detail` says which candidates failed and why).
    case libraryUnavailable(String)
    /// An MPI call returned an error code.
    case callFailed(function: String, message: String)

    public var description: String {
        switch self {
        case .libraryUnavailable(let detail):
            "this process was started by mpirun/srun but Open MPI cannot be used: \(detail) (install openmpi-bin and libopenmpi-dev, Scripts/setup.sh)"
        case .callFailed(let function, let message):
            "\(function) failed: \(message)"
        }
    }
}
