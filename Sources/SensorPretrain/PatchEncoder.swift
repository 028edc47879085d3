import Foundation
import SensorNN
import SensorTensor

/// Sizes of a multimodal patch Transformer.
public struct PatchEncoderConfiguration: Sendable, Equatable {
    public var layout: PatchLayout
    public var dimensions: Int
    public var depth: Int
    public var headCount: Int
    public var feedForwardDimensions: Int

    public init(layout: PatchLayout, dimensions: Int, depth: Int, headCount: Int, feedForwardDimensions: Int) {
        self.layout = layout
        self.dimensions = dimensions
        self.depth = depth
        self.headCount = headCount
        self.feedForwardDimensions = feedForwardDimensions
    }

    /// The bench-small encoder: d 128, 4 pre-LN blocks, 4 heads, feed-forward 512 (about 0.8 M parameters).
    public static let benchSmall = PatchEncoderConfiguration(
        layout: .benchSmall, dimensions: 128, depth: 4, headCount: 4, feedForwardDimensions: 512)
}

/// A multimodal patch Transformer: one linear tokenizer per modality at its native rate and patch
/// length, a learned mask token swapped in for masked (or missing) tokens before the embeddings are
/// added, learned modality and position embeddings, pre-LN blocks and a final LayerNorm.
///
/// Legend: B windows, T tokens (all modalities), D dimensions.
public final class PatchEncoder: Module {
    public let configuration: PatchEncoderConfiguration
    public let tokenizers: [Linear]
    /// [D]: stands in for a masked token (as LSM-2 does for missing data; no imputation).
    public let maskToken: Tensor
    /// [modalities, D]
    public let modalityEmbedding: Tensor
    /// [T, D], learned; starts at `sinusoidalPositions` (see there).
    public let positionEmbedding: Tensor
    public let blocks: [TransformerBlock]
    public let finalNorm: LayerNorm

    public init(configuration: PatchEncoderConfiguration, generator: inout RandomGenerator) {
        let layout = configuration.layout, width = configuration.dimensions
        self.configuration = configuration
        tokenizers = layout.modalities.map {
            Linear(inputDimensions: $0.patchValues, outputDimensions: width, generator: &generator)
        }
        maskToken = Tensor.zeros([width], requiresGrad: true)
        modalityEmbedding = Tensor.normal([layout.modalities.count, width], std: 0.02, generator: &generator, requiresGrad: true)
        positionEmbedding = Self.sinusoidalPositions(layout: layout, dimensions: width)
        blocks = (0..<configuration.depth).map { _ in
            TransformerBlock(dimensions: width, headCount: configuration.headCount,
                             feedForwardDimensions: configuration.feedForwardDimensions, generator: &generator)
        }
        finalNorm = LayerNorm(dimensions: width)
    }

    /// The starting value of the learned position embedding: sine/cosine pairs (Vaswani et al., 2017;
    /// fixed in MAE) of each token's centre time, in units of the finest modality's patch, so that
    /// neighbouring tokens and tokens of different modalities at the same moment start out similar.
    ///
    /// Why not small random values: a masked token carries nothing but its embeddings, and with random
    /// positions attention cannot find its neighbours until it has learned which slots are adjacent.
    /// Masked reconstruction then sat at the mean-patch baseline for hundreds of steps (at 800 steps
    /// next to NT-Xent it had not left it); reconstruction from context needs locality from the start.
    static func sinusoidalPositions(layout: PatchLayout, dimensions: Int) -> Tensor {
        let finest = layout.modalities.map(\.tokenCount).max()!
        var values = [Float](repeating: 0, count: layout.tokenCount * dimensions)
        var row = 0
        for modality in layout.modalities {
            let spacing = Double(finest) / Double(modality.tokenCount)
            for token in 0..<modality.tokenCount {
                let time = (Double(token) + 0.5) * spacing
                for pair in 0..<(dimensions / 2) {
                    let angle = time / pow(10_000, Double(2 * pair) / Double(dimensions))
                    values[row * dimensions + 2 * pair] = Float(sin(angle))
                    values[row * dimensions + 2 * pair + 1] = Float(cos(angle))
                }
                row += 1
            }
        }
        return Tensor(shape: [layout.tokenCount, dimensions], scalars: values, requiresGrad: true)
    }

    /// patches[m]: [B, tokens_m, patchValues_m] (see `PatchLayout.patchify`); mask: [B, T, 1] with 1
    /// where the token is replaced by the mask token; attentionMask: additive [T, T] (see
    /// `MultiHeadAttention`). Returns token embeddings [B, T, D].
    public func callAsFunction(_ patches: [Tensor], mask: Tensor? = nil, attentionMask: Tensor? = nil) -> Tensor {
        let layout = configuration.layout
        precondition(patches.count == tokenizers.count,
                     "PatchEncoder: \(patches.count) modality inputs for \(tokenizers.count) tokenizers")
        var tokens = Tensor.concatenate(zip(tokenizers, patches).map { tokenizer, patch in tokenizer(patch) }, axis: 1)
        if let mask {
            precondition(mask.shape == [tokens.shape[0], layout.tokenCount, 1],
                         "PatchEncoder: mask \(mask.shape) must be [B, \(layout.tokenCount), 1]")
            tokens = Tensor.where(mask, maskToken, tokens)
        }
        let embeddings = modalityEmbedding.indexSelect(axis: 0, indices: layout.modalityOfToken) + positionEmbedding
        tokens = tokens + embeddings
        for block in blocks { tokens = block(tokens, mask: attentionMask) }
        return finalNorm(tokens)
    }
}
