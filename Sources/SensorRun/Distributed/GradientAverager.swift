import Foundation
import SensorTensor

/// Averages the gradients of a fixed parameter list over all ranks, in buckets: the parameters are
/// packed in order into contiguous buffers of about `bucketCapacity` floats, and each bucket is one
/// in-place MPI_Allreduce (few large messages instead of one per tensor, and a bounded staging copy).
///
/// Each bucket also carries, per parameter, how many ranks produced a gradient: a parameter no rank
/// touched keeps `grad == nil` (the optimizer skips it, exactly as in one process), a parameter some
/// rank touched gets the average with zeros for the others (their rows contributed nothing).
final class GradientAverager {
    struct Bucket {
        /// Indices into `parameters`.
        let members: Range<Int>
        /// Offset of each member's values in the staging buffer.
        let offsets: [Int]
        /// Floats of gradient values (the presence counts follow them).
        let valueCount: Int
    }

    let parameters: [Tensor]
    let buckets: [Bucket]
    private let communicator: any Communicator
    private var staging: [Float]
    /// Seconds spent in `average()` since the last `takeSeconds()`, for the overlap question.
    private var seconds = 0.0

    /// - Parameter bucketCapacity: floats per bucket; a parameter larger than that gets a bucket alone.
    init(parameters: [Tensor], communicator: any Communicator, bucketCapacity: Int = 1 << 20) {
        precondition(bucketCapacity > 0, "GradientAverager: bucket capacity must be positive, got \(bucketCapacity)")
        self.parameters = parameters
        self.communicator = communicator
        var buckets: [Bucket] = []
        var start = 0
        while start < parameters.count {
            var end = start, offsets: [Int] = [], total = 0
            while end < parameters.count, end == start || total + parameters[end].count <= bucketCapacity {
                offsets.append(total)
                total += parameters[end].count
                end += 1
            }
            buckets.append(Bucket(members: start..<end, offsets: offsets, valueCount: total))
            start = end
        }
        self.buckets = buckets
        staging = [Float](repeating: 0, count: (buckets.map { $0.valueCount + $0.members.count }.max() ?? 0))
    }

    /// Replaces every gradient by its mean over the ranks (a collective call).
    func average() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let scale = 1 / Float(communicator.size)
        for bucket in buckets {
            let length = bucket.valueCount + bucket.members.count
            try staging.withUnsafeMutableBufferPointer { buffer in
                for (slot, index) in bucket.members.enumerated() {
                    let offset = bucket.offsets[slot], count = parameters[index].count
                    let target = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + count)])
                    if let gradient = parameters[index].grad {
                        gradient.withUnsafeBufferPointer { _ = target.initialize(from: $0) }
                        buffer[bucket.valueCount + slot] = 1
                    } else {
                        target.update(repeating: 0)
                        buffer[bucket.valueCount + slot] = 0
                    }
                }
                try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: buffer[0..<length]))
                for (slot, index) in bucket.members.enumerated() where buffer[bucket.valueCount + slot] > 0 {
                    let parameter = parameters[index], offset = bucket.offsets[slot]
                    let gradient = parameter.grad ?? Tensor.zeros(parameter.shape)
                    gradient.withUnsafeMutableBufferPointer { values in
                        for i in 0..<values.count { values[i] = buffer[offset + i] * scale }
                    }
                    parameter.grad = gradient
                }
            }
        }
    }

    /// Seconds spent averaging since the previous call.
    func takeSeconds() -> Double {
        defer { seconds = 0 }
        return seconds
    }
}
