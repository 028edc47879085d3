import SensorNN
import SensorTensor

/// MAE-style masked reconstruction (encoder sees mask tokens): in every window a share of each
/// modality's tokens is replaced by the mask token, one linear head per modality maps every token back
/// to its patch, and the loss is the mean squared error over the masked patches' values only.
public final class MaskedReconstruction: Module {
    public let encoder: PatchEncoder
    public let heads: [Linear]
    public let maskRatio: Float

    public init(encoder: PatchEncoder, maskRatio: Float = 0.5, generator: inout RandomGenerator) {
        precondition(maskRatio > 0 && maskRatio < 1, "MaskedReconstruction: mask ratio \(maskRatio) must be in (0, 1)")
        self.encoder = encoder
        self.maskRatio = maskRatio
        heads = encoder.configuration.layout.modalities.map {
            Linear(inputDimensions: encoder.configuration.dimensions, outputDimensions: $0.patchValues, generator: &generator)
        }
    }

    /// Per-modality loss terms and the total, for logging.
    public struct Losses {
        /// Mean squared error over all masked values (the training loss).
        public let total: Tensor
        /// Each modality's summed squared error over its masked values, divided by that modality's count.
        public let perModality: [Float]
    }

    /// windows[m]: [B, samples_m, channels_m] raw signals. Masks are drawn from `generator`.
    public func loss(_ windows: [Tensor], generator: inout RandomGenerator) -> Losses {
        let layout = encoder.configuration.layout
        let patches = layout.patchify(windows)
        let batch = patches[0].shape[0]
        let masks = layout.modalities.map { randomTokenMask(batch: batch, tokens: $0.tokenCount, generator: &generator) }
        let tokenMask = Tensor.concatenate(masks, axis: 1)
        let encoded = encoder(patches, mask: tokenMask)
        var total: Tensor?
        var valueCount = 0
        var perModality: [Float] = []
        for (index, modality) in layout.modalities.enumerated() {
            let start = layout.tokenOffsets[index]
            let tokens = encoded.sliced(axis: 1, range: start..<(start + modality.tokenCount))
            let error = (heads[index](tokens) - patches[index]).squared() * masks[index]
            let squaredError = error.sum()
            let count = Int(masks[index].withUnsafeBufferPointer { $0.reduce(0, +) }) * modality.patchValues
            perModality.append(squaredError.item / Float(count))
            valueCount += count
            total = total.map { $0 + squaredError } ?? squaredError
        }
        return Losses(total: total! / Float(valueCount), perModality: perModality)
    }

    /// [B, tokens, 1] with exactly ⌊tokens · maskRatio⌋ ones per row, at uniformly random positions.
    func randomTokenMask(batch: Int, tokens: Int, generator: inout RandomGenerator) -> Tensor {
        let masked = max(1, Int(Float(tokens) * maskRatio))
        var values = [Float](repeating: 0, count: batch * tokens)
        for row in 0..<batch {
            for position in generator.permutation(tokens).prefix(masked) { values[row * tokens + position] = 1 }
        }
        return Tensor(shape: [batch, tokens, 1], scalars: values)
    }
}
