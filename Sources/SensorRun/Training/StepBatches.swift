import Foundation
import SensorData

/// The batch of each training step, built ahead on a background thread. Step `s` takes batch
/// `s mod n` of epoch `⌊s / n⌋` (n = batches per epoch, last partial batch dropped), and the loader
/// makes every batch a pure function of (seed, epoch, index), so the data a step sees depends only on
/// its number: resuming at any step continues the same stream.
final class StepBatches: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Batch] = [:]
    private var cancelled = false
    private var consumed: Int
    private let capacity: Int

    /// - Parameter rows: this rank's rows of every batch (data-parallel training); nil for whole batches.
    init(loader: RunLoader, steps: Range<Int>, rows: Range<Int>? = nil, capacity: Int = 3) {
        precondition(loader.batchesPerEpoch > 0, "StepBatches: the loader has no full batch")
        consumed = steps.lowerBound
        self.capacity = capacity
        let perEpoch = loader.batchesPerEpoch
        let thread = Thread { [self] in
            for step in steps {
                condition.lock()
                while step - consumed >= capacity && !cancelled { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { return }
                let epoch = step / perEpoch, index = step % perEpoch
                let batch = loader.batch(epoch: epoch, index: index, rows: rows)
                condition.lock()
                ready[step] = batch
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.name = "sensorfm.run.batches"
        thread.start()
    }

    /// The batch of `step` (steps must be taken in order), waiting for the builder if needed.
    func batch(step: Int) -> Batch {
        condition.lock(); defer { condition.unlock() }
        while ready[step] == nil { condition.wait() }
        consumed = step + 1
        condition.broadcast()
        return ready.removeValue(forKey: step)!
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }
}
