import Foundation
import SensorTensor

/// A random transformation of one window for contrastive learning. All draws come from the generator
/// passed in, so a seed reproduces a view exactly. Amplitudes are in the units of the data handed in
/// (the loader augments after normalisation, so in standard deviations).
public enum Augmentation: Sendable, Codable, Equatable {
    /// Adds white Gaussian noise N(0, σ²) to every value (sensor noise; Um et al., ICMI 2017).
    case jitter(standardDeviation: Float)
    /// Multiplies each channel by one factor drawn from N(1, σ²) (gain differences between devices).
    case scaling(standardDeviation: Float)
    /// Multiplies each channel by a smooth random curve through `knots` points drawn from N(1, σ²)
    /// (slow gain changes, e.g. perfusion or strap pressure).
    case magnitudeWarp(standardDeviation: Float, knots: Int)
    /// Resamples the window along a smoothly warped time axis: local speeds at `knots` points drawn from
    /// N(1, σ²) (clamped to 0.2 or more) and integrated, so the window still spans its full length. One
    /// warp for all modalities, so they stay aligned in time.
    case timeWarp(standardDeviation: Float, knots: Int)
    /// Shifts every modality by the same number of seconds, uniform in ±`maximumFraction` of the window,
    /// repeating the edge values (an offset of the window boundary).
    case shift(maximumFraction: Float)
    /// Keeps a random span of at least `minimumFraction` of the window (the same span in seconds for all
    /// modalities) and stretches it back to the full length.
    case crop(minimumFraction: Float)
    /// Zeroes each channel independently with `probability` (a dead or occluded channel).
    case channelDropout(probability: Float)
    /// Zeroes each whole modality with `probability`, always keeping at least one (missing sensors).
    case modalityDropout(probability: Float)
    /// Rotates the 3-axis `modality` by a rotation drawn uniformly from SO(3) (Shoemake's random unit
    /// quaternion), as if the device sat in another orientation on the wrist.
    case rotation(modality: String)
    /// Adds a sinusoid of random phase, frequency uniform in [0.05, `maximumFrequency`] Hz and amplitude
    /// uniform in [0, `amplitude`] to every channel of `modality` (PPG baseline wander from respiration,
    /// motion and contact pressure).
    case baselineWander(modality: String, amplitude: Float, maximumFrequency: Float)

    /// SimCLR-style defaults for wrist windows.
    public static let contrastiveDefaults: [Augmentation] = [
        .crop(minimumFraction: 0.8), .timeWarp(standardDeviation: 0.2, knots: 4),
        .rotation(modality: SensorStream.StandardName.accelerometer),
        .baselineWander(modality: SensorStream.StandardName.ppg, amplitude: 0.5, maximumFrequency: 0.5),
        .magnitudeWarp(standardDeviation: 0.2, knots: 4), .scaling(standardDeviation: 0.1), .jitter(standardDeviation: 0.05),
        .channelDropout(probability: 0.05), .modalityDropout(probability: 0.1),
    ]
}

/// One window of every modality, in place: `[samples, channels]` row-major per modality.
public struct WindowBuffers {
    public var layouts: [ModalityLayout]
    public var buffers: [UnsafeMutableBufferPointer<Float>]

    public init(layouts: [ModalityLayout], buffers: [UnsafeMutableBufferPointer<Float>]) {
        precondition(layouts.count == buffers.count && zip(layouts, buffers).allSatisfy { $0.valuesPerWindow == $1.count },
                     "WindowBuffers: each buffer must hold its layout's samples × channels")
        self.layouts = layouts
        self.buffers = buffers
    }
}

/// Augmentations applied in order.
public struct AugmentationPipeline: Sendable, Codable, Equatable {
    public var augmentations: [Augmentation]

    public init(_ augmentations: [Augmentation]) { self.augmentations = augmentations }

    public func apply(to window: WindowBuffers, generator g: inout RandomGenerator) {
        for augmentation in augmentations { Self.apply(augmentation, to: window, generator: &g) }
    }

    static func apply(_ augmentation: Augmentation, to window: WindowBuffers, generator g: inout RandomGenerator) {
        switch augmentation {
        case .jitter(let deviation):
            var normal = PairedNormalSampler()
            for buffer in window.buffers { for i in buffer.indices { buffer[i] += deviation * normal.next(&g) } }
        case .scaling(let deviation):
            for (layout, buffer) in zip(window.layouts, window.buffers) {
                let channels = layout.channelCount
                for channel in 0..<channels {
                    let factor = 1 + deviation * g.nextNormal()
                    for i in stride(from: channel, to: buffer.count, by: channels) { buffer[i] *= factor }
                }
            }
        case .magnitudeWarp(let deviation, let knots):
            precondition(knots >= 1, "Augmentation.magnitudeWarp: knots must be at least 1, got \(knots)")
            for (layout, buffer) in zip(window.layouts, window.buffers) {
                let channels = layout.channelCount, samples = layout.samplesPerWindow
                for channel in 0..<channels {
                    let curve = (0..<(knots + 2)).map { _ in 1 + deviation * g.nextNormal() }
                    for sample in 0..<samples {
                        buffer[sample * channels + channel] *= smoothCurve(curve, at: Float(sample) / Float(max(1, samples - 1)))
                    }
                }
            }
        case .timeWarp(let deviation, let knots):
            precondition(knots >= 1, "Augmentation.timeWarp: knots must be at least 1, got \(knots)")
            let speeds = (0..<(knots + 2)).map { _ in max(0.2, 1 + deviation * g.nextNormal()) }
            let resolution = 256
            var cumulative = [Float](repeating: 0, count: resolution + 1)
            for step in 1...resolution {
                cumulative[step] = cumulative[step - 1] + smoothCurve(speeds, at: (Float(step) - 0.5) / Float(resolution))
            }
            let total = cumulative[resolution]
            resample(window) { u in
                let position = u * Float(resolution)
                let index = min(resolution - 1, Int(position))
                let fraction = position - Float(index)
                return (cumulative[index] * (1 - fraction) + cumulative[index + 1] * fraction) / total
            }
        case .shift(let maximumFraction):
            let offset = maximumFraction * (2 * g.nextUniform() - 1)
            resample(window) { u in min(1, max(0, u - offset)) }
        case .crop(let minimumFraction):
            let length = minimumFraction + (1 - minimumFraction) * g.nextUniform()
            let start = (1 - length) * g.nextUniform()
            resample(window) { u in start + length * u }
        case .channelDropout(let probability):
            for (layout, buffer) in zip(window.layouts, window.buffers) {
                let channels = layout.channelCount
                for channel in 0..<channels where g.nextUniform() < probability {
                    for i in stride(from: channel, to: buffer.count, by: channels) { buffer[i] = 0 }
                }
            }
        case .modalityDropout(let probability):
            var dropped = window.buffers.map { _ in g.nextUniform() < probability }
            if dropped.allSatisfy({ $0 }), !dropped.isEmpty { dropped[g.nextInt(below: dropped.count)] = false }
            for (buffer, drop) in zip(window.buffers, dropped) where drop { buffer.update(repeating: 0) }
        case .rotation(let modality):
            guard let index = window.layouts.firstIndex(where: { $0.name == modality }) else { return }
            precondition(window.layouts[index].channelCount == 3, "Augmentation.rotation: \(modality) has \(window.layouts[index].channelCount) channels, not 3")
            let matrix = randomRotation(generator: &g)
            let buffer = window.buffers[index]
            for frame in 0..<(buffer.count / 3) {
                let x = buffer[3 * frame], y = buffer[3 * frame + 1], z = buffer[3 * frame + 2]
                buffer[3 * frame] = matrix[0] * x + matrix[1] * y + matrix[2] * z
                buffer[3 * frame + 1] = matrix[3] * x + matrix[4] * y + matrix[5] * z
                buffer[3 * frame + 2] = matrix[6] * x + matrix[7] * y + matrix[8] * z
            }
        case .baselineWander(let modality, let amplitude, let maximumFrequency):
            let height = amplitude * g.nextUniform()
            let frequency = Double(0.05 + max(0, maximumFrequency - 0.05) * g.nextUniform())
            let phase = 2 * Double.pi * g.nextUniformDouble()
            guard let index = window.layouts.firstIndex(where: { $0.name == modality }) else { return }
            let layout = window.layouts[index], buffer = window.buffers[index]
            for sample in 0..<layout.samplesPerWindow {
                let wander = height * Float(sin(2 * Double.pi * frequency * Double(sample) / layout.samplingRate + phase))
                for channel in 0..<layout.channelCount { buffer[sample * layout.channelCount + channel] += wander }
            }
        }
    }

    /// A smooth curve through equally spaced `knots` on [0, 1] (cosine interpolation between neighbours).
    static func smoothCurve(_ knots: [Float], at u: Float) -> Float {
        let position = min(1, max(0, u)) * Float(knots.count - 1)
        let index = min(knots.count - 2, Int(position))
        let fraction = position - Float(index)
        let weight = (1 - cos(Float.pi * fraction)) / 2
        return knots[index] * (1 - weight) + knots[index + 1] * weight
    }

    /// Replaces every modality's window by its values at source positions `source(u)` (fractions of the
    /// window, u = output fraction), linearly interpolated per channel.
    static func resample(_ window: WindowBuffers, source: (Float) -> Float) {
        for (layout, buffer) in zip(window.layouts, window.buffers) {
            let samples = layout.samplesPerWindow, channels = layout.channelCount
            guard samples > 1 else { continue }
            let original = Array(buffer)
            let last = Float(samples - 1), length = Float(samples)
            for sample in 0..<samples {
                // Sample i sits at time i / rate, i.e. at fraction i / samples of the window, for every rate.
                let position = min(last, max(0, source(Float(sample) / length) * length))
                let index = min(samples - 2, Int(position))
                let fraction = position - Float(index)
                for channel in 0..<channels {
                    buffer[sample * channels + channel] = original[index * channels + channel] * (1 - fraction)
                        + original[(index + 1) * channels + channel] * fraction
                }
            }
        }
    }

    /// A rotation matrix (row-major 3 × 3) uniform on SO(3): a unit quaternion from three uniforms
    /// (K. Shoemake, "Uniform random rotations", Graphics Gems III, 1992).
    static func randomRotation(generator g: inout RandomGenerator) -> [Float] {
        let u1 = g.nextUniformDouble(), u2 = g.nextUniformDouble(), u3 = g.nextUniformDouble()
        let a = (1 - u1).squareRoot(), b = u1.squareRoot()
        let x = a * sin(2 * Double.pi * u2), y = a * cos(2 * Double.pi * u2)
        let z = b * sin(2 * Double.pi * u3), w = b * cos(2 * Double.pi * u3)
        return [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
                2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)].map { Float($0) }
    }
}
