import SensorData
import SensorTensor

/// The fixed per-channel affine normalisation a student's inputs get before quantization, fitted once on the
/// training windows. A fixed affine map (rather than per-window z-scoring) is what a microcontroller applies
/// cheaply, and it folds into the input quantization parameters written in the model card.
public struct StudentInputNormalization: Sendable, Codable, Equatable {
    /// Means and standard deviations of one modality's channels, in channel order.
    public struct Channels: Sendable, Codable, Equatable {
        public var modality: String
        public var means: [Float]
        public var deviations: [Float]

        public init(modality: String, means: [Float], deviations: [Float]) {
            precondition(means.count == deviations.count && deviations.allSatisfy { $0 > 0 },
                         "StudentInputNormalization: \(modality) needs one positive deviation per mean")
            self.modality = modality
            self.means = means
            self.deviations = deviations
        }
    }

    public var modalities: [Channels]

    public init(modalities: [Channels]) { self.modalities = modalities }

    /// Fits means and (population) standard deviations per channel over the windows at `indices`, skipping NaN
    /// samples (dropouts). A channel with no finite sample or no spread gets mean 0 / deviation 1.
    public static func fit(windows: WindowSet, indices: [Int], modalities: [StudentModality]) throws(DistillationError) -> StudentInputNormalization {
        try checkLayouts(windows: windows, modalities: modalities)
        return StudentInputNormalization(modalities: modalities.map { modality in
            let values = windows.values[modality.name]!, width = modality.length * modality.channels
            var sums = [Double](repeating: 0, count: modality.channels)
            var squares = sums, counts = sums
            for index in indices {
                for t in 0..<modality.length {
                    for c in 0..<modality.channels {
                        let value = Double(values[index * width + t * modality.channels + c])
                        guard value.isFinite else { continue }
                        sums[c] += value
                        squares[c] += value * value
                        counts[c] += 1
                    }
                }
            }
            var means = [Float](), deviations = [Float]()
            for c in 0..<modality.channels {
                let mean = counts[c] > 0 ? sums[c] / counts[c] : 0
                let variance = counts[c] > 0 ? max(0, squares[c] / counts[c] - mean * mean) : 0
                means.append(Float(mean))
                deviations.append(variance > 1e-12 ? Float(variance.squareRoot()) : 1)
            }
            return Channels(modality: modality.name, means: means, deviations: deviations)
        })
    }

    /// The normalised windows at `indices` as the student's inputs: one [N, channels, length] tensor per
    /// modality, in `modalities` order. A NaN sample enters as the channel mean (0 after normalisation),
    /// which is what the device sees for a dropped sample.
    public func inputs(windows: WindowSet, indices: [Int], modalities: [StudentModality]) throws(DistillationError) -> [Tensor] {
        try Self.checkLayouts(windows: windows, modalities: modalities)
        return try modalities.map { (modality) throws(DistillationError) -> Tensor in
            guard let channels = self.modalities.first(where: { $0.modality == modality.name }),
                  channels.means.count == modality.channels else {
                throw .normalizationMismatch(modality: modality.name)
            }
            let values = windows.values[modality.name]!, width = modality.length * modality.channels
            var scalars = [Float](repeating: 0, count: indices.count * width)
            for (row, index) in indices.enumerated() {
                for c in 0..<modality.channels {
                    let mean = channels.means[c], scale = 1 / channels.deviations[c]
                    let target = row * width + c * modality.length
                    for t in 0..<modality.length {
                        let value = values[index * width + t * modality.channels + c]
                        scalars[target + t] = value.isNaN ? 0 : (value - mean) * scale
                    }
                }
            }
            return Tensor(shape: [indices.count, modality.channels, modality.length], scalars: scalars)
        }
    }

    /// Every student modality must exist in the windows with the same channel count and length.
    static func checkLayouts(windows: WindowSet, modalities: [StudentModality]) throws(DistillationError) {
        for modality in modalities {
            guard let layout = windows.layout(modality.name) else {
                throw .modalityMissing(modality: modality.name, available: windows.modalities.map(\.name))
            }
            guard layout.channelCount == modality.channels, layout.samplesPerWindow == modality.length else {
                throw .modalityShape(modality: modality.name, expected: [modality.length, modality.channels],
                                     found: [layout.samplesPerWindow, layout.channelCount])
            }
        }
    }
}
