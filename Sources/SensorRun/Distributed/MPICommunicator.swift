import CMPIShim
import Foundation

/// The communicator over Open MPI's MPI_COMM_WORLD, bound at run time through the CMPIShim (dlopen),
/// so that nothing MPI is needed unless the process was started by a launcher.
public final class MPICommunicator: Communicator {
    /// The libraries tried in turn: Debian's soname, then the development symlink.
    static let libraryCandidates = ["libmpi.so.40", "libmpi.so"]

    /// Environment variables set by a parallel launcher for each process it starts: Open MPI's mpirun,
    /// PMIx (mpirun and `srun --mpi=pmix`), PMI-1/2 (`srun --mpi=pmi2`, MPICH's Hydra). Slurm's own
    /// `SLURM_PROCID` alone is not enough: an sbatch script has it without being a parallel step.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]

    public let rank: Int
    public let size: Int
    private var finalized = false

    /// Whether `environment` says a parallel launcher (mpirun, srun) started this process.
    public static func launchedInParallel(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
            || (environment["SLURM_STEP_ID"] != nil && environment["SLURM_PROCID"] != nil && (Int(environment["SLURM_NTASKS"] ?? "") ?? 1) > 1)
    }

    /// The communicator this process should use: MPI under a launcher, a single process otherwise.
    /// - Throws: `DistributedError` when launched in parallel but Open MPI cannot be loaded or initialised
    ///   (running alone then would silently train N independent copies).
    public static func forThisProcess(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Communicator {
        guard launchedInParallel(environment: environment) else { return SingleProcessCommunicator() }
        return try MPICommunicator()
    }

    /// Loads libmpi and calls MPI_Init_thread (serialized: collectives come from one thread at a time).
    public init() throws {
        var error = [CChar](repeating: 0, count: 1024)
        let candidates = (Self.libraryCandidates.flatMap { Array($0.utf8) + [0] } + [0]).map { CChar(bitPattern: $0) }
        guard sensorfm_mpi_load(candidates, &error, error.count) == 0 else {
            throw DistributedError.libraryUnavailable(String(cString: error))
        }
        var rank: Int32 = 0, size: Int32 = 0, provided: Int32 = 0
        try Self.check(sensorfm_mpi_initialize(&rank, &size, &provided), "MPI_Init_thread")
        self.rank = Int(rank)
        self.size = Int(size)
    }

    static func check(_ status: Int32, _ function: String) throws {
        guard status != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        sensorfm_mpi_error_string(status, &text, text.count)
        throw DistributedError.callFailed(function: function, message: String(cString: text))
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = values.baseAddress else { return }
        try Self.check(sensorfm_mpi_allreduce_sum_float(base, values.count), "MPI_Allreduce (float sum, \(values.count) values)")
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        guard let base = values.baseAddress else { return }
        try Self.check(sensorfm_mpi_allreduce_sum_double(base, values.count), "MPI_Allreduce (double sum, \(values.count) values)")
    }

    public func allGather(_ local: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws {
        precondition(gathered.count == size * local.count, "allGather: \(gathered.count) slots for \(size) ranks × \(local.count) values")
        guard let source = local.baseAddress, let target = gathered.baseAddress else { return }
        try Self.check(sensorfm_mpi_allgather_float(source, local.count, target), "MPI_Allgather (\(local.count) floats per rank)")
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard let base = bytes.baseAddress else { return }
        try Self.check(sensorfm_mpi_broadcast_bytes(base, bytes.count, Int32(root)), "MPI_Bcast (\(bytes.count) bytes from rank \(root))")
    }

    public func barrier() throws {
        try Self.check(sensorfm_mpi_barrier(), "MPI_Barrier")
    }

    public func abort(code: Int32, message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        _ = sensorfm_mpi_abort(code)
        exit(code)
    }

    public func finalize() {
        guard !finalized else { return }
        finalized = true
        _ = sensorfm_mpi_finalize()
    }
}
