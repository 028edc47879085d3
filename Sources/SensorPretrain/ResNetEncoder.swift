import SensorNN
import SensorTensor

/// Sizes of the 1-D ResNet encoder.
public struct ResNetEncoderConfiguration: Sendable, Equatable {
    public var layout: PatchLayout
    /// Width D of the token features and embeddings.
    public var dimensions: Int
    /// Convolution channels inside each modality's stem.
    public var width: Int
    /// Residual blocks per modality.
    public var blockCount: Int
    /// Odd kernel size of the residual blocks' convolutions.
    public var kernelSize: Int

    public init(layout: PatchLayout, dimensions: Int, width: Int, blockCount: Int, kernelSize: Int = 5) {
        precondition(dimensions > 0 && width > 0 && blockCount >= 0,
                     "ResNetEncoderConfiguration: dimensions \(dimensions), width \(width) must be positive, blocks \(blockCount) >= 0")
        precondition(kernelSize > 0 && kernelSize % 2 == 1, "ResNetEncoderConfiguration: kernel size \(kernelSize) must be odd")
        self.layout = layout
        self.dimensions = dimensions
        self.width = width
        self.blockCount = blockCount
        self.kernelSize = kernelSize
    }

    /// Stride-2 blocks of a modality: as many leading blocks as halve its patch length evenly, so
    /// each modality keeps its native rate until the per-token average pool.
    func downsamplingBlocks(_ modality: ModalityPatching) -> Int {
        var count = 0, length = modality.patchSamples
        while count < blockCount && length % 2 == 0 { length /= 2; count += 1 }
        return count
    }
}

/// A residual block: conv(k, stride s) + BN + ReLU, conv(k) + BN, plus a shortcut (1×1 conv
/// stride s + BN when s > 1), then ReLU. [N, W, L] -> [N, W, L/s].
public final class ResidualBlock1d: Module, UnaryLayer {
    public let firstConvolution: Conv1d
    public let firstNorm: BatchNorm1d
    public let secondConvolution: Conv1d
    public let secondNorm: BatchNorm1d
    public let shortcut: Sequential?

    public init(width: Int, kernelSize: Int, stride: Int, generator: inout RandomGenerator) {
        firstConvolution = Conv1d(inputChannels: width, outputChannels: width, kernelSize: kernelSize, stride: stride,
                                  padding: kernelSize / 2, bias: false, generator: &generator)
        firstNorm = BatchNorm1d(features: width)
        secondConvolution = Conv1d(inputChannels: width, outputChannels: width, kernelSize: kernelSize,
                                   padding: kernelSize / 2, bias: false, generator: &generator)
        secondNorm = BatchNorm1d(features: width)
        shortcut = stride == 1 ? nil : Sequential([
            Conv1d(inputChannels: width, outputChannels: width, kernelSize: 1, stride: stride, bias: false, generator: &generator),
            BatchNorm1d(features: width),
        ])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let main = secondNorm(secondConvolution(firstNorm(firstConvolution(input)).relu()))
        return (main + (shortcut.map { $0(input) } ?? input)).relu()
    }
}

/// One modality's convolutional stem at its native rate: conv(7) + BN + ReLU, residual blocks,
/// an average pool over each patch's span and a linear map to D. [B, tokens, patchValues] -> [B, tokens, D].
public final class ModalityStem: Module {
    public let modality: ModalityPatching
    /// [patchValues]: the input-space mask token, a learned patch written over masked or missing patches.
    public let maskPatch: Tensor
    public let convolution: Conv1d
    public let norm: BatchNorm1d
    public let blocks: [ResidualBlock1d]
    public let projection: Linear
    let poolSize: Int

    public init(modality: ModalityPatching, configuration: ResNetEncoderConfiguration, generator: inout RandomGenerator) {
        self.modality = modality
        maskPatch = Tensor.zeros([modality.patchValues], requiresGrad: true)
        convolution = Conv1d(inputChannels: modality.channels, outputChannels: configuration.width, kernelSize: 7, padding: 3,
                             bias: false, generator: &generator)
        norm = BatchNorm1d(features: configuration.width)
        let downsampling = configuration.downsamplingBlocks(modality)
        blocks = (0..<configuration.blockCount).map { index in
            ResidualBlock1d(width: configuration.width, kernelSize: configuration.kernelSize, stride: index < downsampling ? 2 : 1,
                            generator: &generator)
        }
        projection = Linear(inputDimensions: configuration.width, outputDimensions: configuration.dimensions, generator: &generator)
        poolSize = modality.patchSamples >> downsampling
    }

    /// patches [B, tokens, patchValues]; mask [B, tokens, 1] or nil -> token features [B, tokens, D].
    public func callAsFunction(_ patches: Tensor, mask: Tensor?) -> Tensor {
        let batch = patches.shape[0]
        let masked = mask.map { Tensor.where($0, maskPatch, patches) } ?? patches
        // Patches are time-major with channels interleaved: [B, T·P, C] is the window itself.
        var x = masked.reshaped([batch, modality.windowSamples, modality.channels]).permuted([0, 2, 1])
        x = norm(convolution(x)).relu()
        for block in blocks { x = block(x) }
        // [B, W, tokens·poolSize] -> [B, W, tokens] -> [B, tokens, W] -> [B, tokens, D]
        return projection(x.avgPool1d(kernelSize: poolSize).permuted([0, 2, 1]))
    }
}

/// A 1-D convolutional alternative to the patch Transformer: one ResNet stem per modality at its
/// native rate, token features per patch span, modality embeddings as token means, and a fused
/// window embedding (a linear map of the concatenated modality embeddings).
///
/// Masked or missing patches are overwritten in input space by each stem's learned `maskPatch`
/// before any convolution, so no masked value reaches the features. Batch norm uses batch
/// statistics in training mode, so train with batches of more than one window.
public final class ResNetEncoder: Module, Encoder {
    public let configuration: ResNetEncoderConfiguration
    public let stems: [ModalityStem]
    public let fusion: Linear

    public init(configuration: ResNetEncoderConfiguration, generator: inout RandomGenerator) {
        self.configuration = configuration
        stems = configuration.layout.modalities.map {
            ModalityStem(modality: $0, configuration: configuration, generator: &generator)
        }
        fusion = Linear(inputDimensions: configuration.layout.modalities.count * configuration.dimensions,
                        outputDimensions: configuration.dimensions, generator: &generator)
    }

    public var layout: PatchLayout { configuration.layout }
    public var dimensions: Int { configuration.dimensions }

    public func tokens(_ patches: [Tensor], mask: Tensor?) -> Tensor {
        Tensor.concatenate(perModalityTokens(patches, mask: mask), axis: 1)
    }

    public func embed(_ patches: [Tensor], mask: Tensor?) -> Tensor {
        fusion(Tensor.concatenate(modalityEmbeddings(patches, mask: mask), axis: 1))
    }

    public func modalityEmbeddings(_ patches: [Tensor], mask: Tensor?) -> [Tensor] {
        perModalityTokens(patches, mask: mask).map { $0.mean(axes: [1]) }
    }

    public func makeCopy() -> ResNetEncoder {
        var unused = RandomGenerator(seed: 0)
        let copy = ResNetEncoder(configuration: configuration, generator: &unused)
        copy.copyState(from: self)
        return copy
    }

    /// Per modality [B, tokens_m, D].
    func perModalityTokens(_ patches: [Tensor], mask: Tensor?) -> [Tensor] {
        precondition(patches.count == stems.count, "ResNetEncoder: \(patches.count) modality inputs for \(stems.count) stems")
        if let mask {
            precondition(mask.shape == [patches[0].shape[0], layout.tokenCount, 1],
                         "ResNetEncoder: mask \(mask.shape) must be [B, \(layout.tokenCount), 1]")
        }
        return zip(stems, zip(patches, layout.tokenOffsets)).map { stem, input in
            let (patch, start) = input
            return stem(patch, mask: mask?.sliced(axis: 1, range: start..<(start + stem.modality.tokenCount)))
        }
    }
}
