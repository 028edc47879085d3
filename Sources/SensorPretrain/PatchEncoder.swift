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
    /// [T, D]
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
        positionEmbedding = Tensor.normal([layout.tokenCount, width], std: 0.02, generator: &generator, requiresGrad: true)
        blocks = (0..<configuration.depth).map { _ in
            TransformerBlock(dimensions: width, headCount: configuration.headCount,
                             feedForwardDimensions: configuration.feedForwardDimensions, generator: &generator)
        }
        finalNorm = LayerNorm(dimensions: width)
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
