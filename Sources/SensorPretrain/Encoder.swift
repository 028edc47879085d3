import SensorNN
import SensorTensor

/// What every pretraining encoder offers the objectives.
///
/// Inputs are the layout's patches (`PatchLayout.patchify`): patches[m] [B, tokens_m, patchValues_m]
/// and an optional token mask [B, T, 1] (1 = replace the token by the mask token: artificial masking
/// or missing data). Legend: B windows, T tokens of all modalities, D `dimensions`.
public protocol Encoder: Module {
    var layout: PatchLayout { get }
    var dimensions: Int { get }
    /// Per-token features [B, T, D], the modalities' tokens concatenated in layout order.
    func tokens(_ patches: [Tensor], mask: Tensor?) -> Tensor
    /// The pooled window embedding [B, D].
    func embed(_ patches: [Tensor], mask: Tensor?) -> Tensor
    /// One embedding [B, D] per modality, each computed from that modality's input alone (so a
    /// cross-modal objective cannot read one modality's answer off another's input).
    func modalityEmbeddings(_ patches: [Tensor], mask: Tensor?) -> [Tensor]
    /// A new encoder of the same configuration with equal parameters and buffers (momentum targets).
    func makeCopy() -> Self
}

/// Which encoder to build, with its sizes.
public enum EncoderSpec: Sendable, Equatable {
    case transformer(PatchEncoderConfiguration)
    case resNet(ResNetEncoderConfiguration)

    public var layout: PatchLayout {
        switch self {
        case .transformer(let configuration): configuration.layout
        case .resNet(let configuration): configuration.layout
        }
    }

    public func makeEncoder(generator: inout RandomGenerator) -> any Encoder {
        switch self {
        case .transformer(let configuration): PatchEncoder(configuration: configuration, generator: &generator)
        case .resNet(let configuration): ResNetEncoder(configuration: configuration, generator: &generator)
        }
    }
}

extension Module {
    /// Copies every parameter and buffer of `source` (a module of the same structure) into this one.
    func copyState(from source: Module) {
        do {
            try loadState(source.state())
        } catch {
            preconditionFailure("copyState: modules of different structure: \(error)")
        }
    }
}

extension PatchEncoder: Encoder {
    public var layout: PatchLayout { configuration.layout }
    public var dimensions: Int { configuration.dimensions }

    public func tokens(_ patches: [Tensor], mask: Tensor?) -> Tensor {
        self(patches, mask: mask)
    }

    /// Mean of the token features over all tokens (as the SimCLR bench objective pools).
    public func embed(_ patches: [Tensor], mask: Tensor?) -> Tensor {
        self(patches, mask: mask).mean(axes: [1])
    }

    /// One pass with a block-diagonal attention mask (tokens attend only within their modality), then
    /// each modality's tokens mean-pooled.
    public func modalityEmbeddings(_ patches: [Tensor], mask: Tensor?) -> [Tensor] {
        let encoded = self(patches, mask: mask, attentionMask: withinModalityAttentionMask())
        return zip(layout.tokenOffsets, layout.modalities).map { start, modality in
            encoded.sliced(axis: 1, range: start..<(start + modality.tokenCount)).mean(axes: [1])
        }
    }

    public func makeCopy() -> PatchEncoder {
        var unused = RandomGenerator(seed: 0)
        let copy = PatchEncoder(configuration: configuration, generator: &unused)
        copy.copyState(from: self)
        return copy
    }

    /// [T, T] additive: 0 between tokens of one modality, −∞ across modalities.
    func withinModalityAttentionMask() -> Tensor {
        let owners = layout.modalityOfToken, count = owners.count
        var values = [Float](repeating: 0, count: count * count)
        for i in 0..<count {
            for j in 0..<count where owners[i] != owners[j] { values[i * count + j] = -.infinity }
        }
        return Tensor(shape: [count, count], scalars: values)
    }
}
