import Foundation
import SensorTensor

/// Resamples samples taken at irregular times onto a uniform grid, with an anti-aliasing low-pass.
///
/// Method: each output value is a normalised kernel regression over the input samples,
/// `y(t) = Σ w_i h(t - t_i) x_i / Σ w_i h(t - t_i)`, where `w_i` is the time span each input sample
/// stands for (half the distance to each neighbour) and `h` a Blackman-windowed sinc. The sum
/// approximates the convolution of the underlying signal with `h`, so content above the cutoff
/// (below both Nyquist rates) is attenuated instead of folding back, and the normalisation keeps a
/// constant signal exactly constant however uneven the timestamps are.
/// Cutoff `0.375 * min(target rate, input rate)` with a ±`12 / min(...)` s window: the transition band
/// ends at the lower Nyquist frequency, beyond which attenuation is at least ~50 dB (Blackman).
/// Pauses longer than the gap threshold are not bridged: output frames inside them are NaN and the
/// pause is returned as a gap.
public enum Resampler {
    public struct Result: Sendable {
        /// Frame-major `[frameCount, channelCount]`.
        public var samples: [Float]
        /// Time of output frame 0 (the first input time), in the input's time units (seconds).
        public var startTime: Double
        /// Pauses in the input longer than the gap threshold, in input time (seconds).
        public var gaps: [TimeSpan]
        public var cutoffFrequency: Double
        public var medianInterval: Double
    }

    /// Resamples `values` (frame-major `[times.count, channelCount]`) taken at strictly increasing
    /// `times` (seconds) to `targetRate` Hz, starting at `times[0]`.
    public static func resample(times: [Double], values: [Float], channelCount: Int, targetRate: Double,
                                gapThreshold: Double? = nil) -> Result {
        precondition(targetRate > 0 && targetRate.isFinite, "Resampler.resample: target rate must be positive, got \(targetRate)")
        precondition(channelCount > 0 && values.count == times.count * channelCount,
                     "Resampler.resample: \(values.count) values for \(times.count) times x \(channelCount) channels")
        precondition(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "Resampler.resample: times must increase strictly")
        guard times.count >= 2 else {
            return Result(samples: values, startTime: times.first ?? 0, gaps: [], cutoffFrequency: targetRate / 2,
                          medianInterval: 0)
        }
        let intervals = zip(times.dropFirst(), times).map { $0 - $1 }
        let median = intervals.sorted()[intervals.count / 2]
        let slowerRate = min(targetRate, 1 / median)
        let cutoff = 0.375 * slowerRate
        let halfWidth = 12 / slowerRate
        let threshold = gapThreshold ?? max(3 * median, 2 / targetRate)

        // Span each input sample stands for; a side facing a gap counts as the other side.
        let count = times.count
        var weights = [Double](repeating: 0, count: count)
        var gaps: [TimeSpan] = []
        for index in 0..<count {
            let left = index > 0 && intervals[index - 1] <= threshold ? intervals[index - 1] : nil
            let right = index < count - 1 && intervals[index] <= threshold ? intervals[index] : nil
            weights[index] = ((left ?? right ?? median) + (right ?? left ?? median)) / 2
            if index < count - 1, intervals[index] > threshold { gaps.append(TimeSpan(start: times[index], end: times[index + 1])) }
        }

        let frameCount = Int(((times[count - 1] - times[0]) * targetRate + 1e-9).rounded(.down)) + 1
        var output = [Float](repeating: .nan, count: frameCount * channelCount)
        let start = times[0]
        times.withUnsafeBufferPointer { t in
            weights.withUnsafeBufferPointer { w in
                values.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer { y in
                        let outputBase = y.baseAddress!
                        Threading.parallelFor(frameCount, minimumPerThread: 4096) { range in
                            var accumulator = [Double](repeating: 0, count: channelCount)
                            var first = lowerBound(t, range.lowerBound == 0 ? -Double.infinity : start + Double(range.lowerBound) / targetRate - halfWidth)
                            var gapIndex = 0
                            for frame in range {
                                let time = start + Double(frame) / targetRate
                                while first < count && t[first] < time - halfWidth { first += 1 }
                                while gapIndex < gaps.count && gaps[gapIndex].end <= time { gapIndex += 1 }
                                if gapIndex < gaps.count && gaps[gapIndex].start < time { continue }
                                for channel in 0..<channelCount { accumulator[channel] = 0 }
                                var norm = 0.0
                                var index = first
                                while index < count && t[index] <= time + halfWidth {
                                    let weight = w[index] * kernel(time - t[index], cutoff: cutoff, halfWidth: halfWidth)
                                    norm += weight
                                    for channel in 0..<channelCount {
                                        accumulator[channel] += weight * Double(x[index * channelCount + channel])
                                    }
                                    index += 1
                                }
                                guard norm > 0 else { continue }
                                for channel in 0..<channelCount {
                                    outputBase[frame * channelCount + channel] = Float(accumulator[channel] / norm)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Result(samples: output, startTime: start, gaps: gaps, cutoffFrequency: cutoff, medianInterval: median)
    }

    /// Blackman-windowed sinc with cutoff `cutoff` Hz, zero beyond `halfWidth` seconds (unnormalised).
    @inline(__always)
    static func kernel(_ offset: Double, cutoff: Double, halfWidth: Double) -> Double {
        let position = offset / halfWidth
        guard abs(position) < 1 else { return 0 }
        let window = 0.42 + 0.5 * cos(Double.pi * position) + 0.08 * cos(2 * Double.pi * position)
        let argument = 2 * Double.pi * cutoff * offset
        let sinc = abs(argument) < 1e-12 ? 1 : sin(argument) / argument
        return sinc * window
    }

    /// First index whose time is at least `time`.
    private static func lowerBound(_ times: UnsafeBufferPointer<Double>, _ time: Double) -> Int {
        var low = 0, high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
