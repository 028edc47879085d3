import Foundation
import Testing
@testable import SensorPretrain
import SensorTensor

/// Tiny shapes for debug-mode tests: PPG 1 channel 8-sample patches × 4, accelerometer 3 channels
/// 4-sample patches × 4, temperature 1 channel 2-sample patches × 2 (10 tokens).
enum Tiny {
    static let layout = PatchLayout(modalities: [
        ModalityPatching(name: "ppg", channels: 1, patchSamples: 8, tokenCount: 4),
        ModalityPatching(name: "acc", channels: 3, patchSamples: 4, tokenCount: 4),
        ModalityPatching(name: "temp", channels: 1, patchSamples: 2, tokenCount: 2),
    ])

    static let transformer = PatchEncoderConfiguration(layout: layout, dimensions: 16, depth: 1, headCount: 2,
                                                       feedForwardDimensions: 32)

    static let resNet = ResNetEncoderConfiguration(layout: layout, dimensions: 16, width: 8, blockCount: 2, kernelSize: 3)

    /// Windows [B, samples, channels] per modality: each subject has its own frequency and phase
    /// pattern, each window a random phase and a little noise.
    static func windows(subjects: [Int], generator: inout RandomGenerator, noise: Float = 0.05) -> [Tensor] {
        layout.modalities.enumerated().map { index, modality in
            let samples = modality.windowSamples, channels = modality.channels
            var values = [Float](repeating: 0, count: subjects.count * samples * channels)
            for (row, subject) in subjects.enumerated() {
                let frequency = 0.05 + 0.04 * Float(subject), phase = generator.nextUniform() * 6.28
                for t in 0..<samples {
                    for c in 0..<channels {
                        let signal = sin(frequency * Float(t * (index + 1)) + phase + Float(c))
                            + Float(subject) * 0.3 * Float(c == 0 ? 1 : -1)
                        values[(row * samples + t) * channels + c] = signal + noise * generator.nextNormal()
                    }
                }
            }
            return Tensor(shape: [subjects.count, samples, channels], scalars: values)
        }
    }

    /// A batch with a second view (the same windows with fresh noise) and subject names.
    static func batch(subjects: [Int], generator: inout RandomGenerator) -> PretrainingBatch {
        var copy = generator
        let first = windows(subjects: subjects, generator: &generator)
        let second = windows(subjects: subjects, generator: &copy, noise: 0.1)
        return PretrainingBatch(windows: first, secondView: second, subjects: subjects.map { "s\($0)" })
    }
}

/// |a − b| <= tolerance for every element, reporting the first difference.
func expectAllClose(_ actual: [Float], _ expected: [Float], tolerance: Float, _ label: String = "",
                    sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for i in 0..<actual.count where !(abs(actual[i] - expected[i]) <= tolerance) {
        Issue.record("\(label): [\(i)] \(actual[i]) vs \(expected[i])", sourceLocation: sourceLocation)
        return
    }
}

extension Tensor {
    /// One element by flat index, read or written in place.
    subscript(element index: Int) -> Float {
        get { withUnsafeBufferPointer { $0[index] } }
        set { withUnsafeMutableBufferPointer { $0[index] = newValue } }
    }
}
