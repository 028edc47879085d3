import Dispatch
import Synchronization

/// One thread budget for the whole engine: large GEMMs are split over it (OpenBLAS itself runs
/// single-threaded, see `BLAS`) and so are the engine's own loops, so the cores are not oversubscribed.
public enum Threading {
    private static let budget = Atomic<Int>(1)

    /// Number of threads used by BLAS calls and parallel loops.
    public static var threadCount: Int { budget.load(ordering: .relaxed) }

    /// Sets the budget for GEMMs and the engine's loops.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "Threading.setThreadCount: thread count must be at least 1, got \(count)")
        budget.store(count, ordering: .relaxed)
    }

    /// Splits `0..<count` into at most `threadCount` fixed, contiguous ranges and runs `body` on each
    /// in parallel. The split depends only on `count` and the budget, so results are deterministic
    /// as long as each range writes its own outputs. Work below `minimumPerThread` stays on one thread.
    public static func parallelFor(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, max(1, count / max(minimumPerThread, 1)))
        if chunks == 1 { body(0..<count); return }
        // Kernels capture raw pointers; each chunk writes a disjoint range, which makes sharing safe.
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                work((chunk * count / chunks)..<((chunk + 1) * count / chunks))
            }
        }
    }
}
