import SensorNN
import SensorTensor

/// SimCLR-style contrastive objective: two augmented views of each window are encoded, mean-pooled
/// over tokens, projected by an MLP (D -> D, ReLU, D -> projectionDimensions), L2-normalised, and
/// scored with NT-Xent at `temperature` over the 2·B views.
public final class ContrastiveObjective: Module {
    public let encoder: PatchEncoder
    public let projector: MLP
    public let temperature: Float

    public init(encoder: PatchEncoder, projectionDimensions: Int = 64, temperature: Float = 0.1,
                generator: inout RandomGenerator) {
        precondition(temperature > 0, "ContrastiveObjective: temperature must be positive, got \(temperature)")
        let width = encoder.configuration.dimensions
        self.encoder = encoder
        self.temperature = temperature
        projector = MLP(dimensions: [width, width, projectionDimensions], activation: .relu, generator: &generator)
    }

    /// Projected embeddings [N, projectionDimensions] of windows[m]: [N, samples_m, channels_m].
    public func embed(_ windows: [Tensor]) -> Tensor {
        let patches = encoder.configuration.layout.patchify(windows)
        return projector(encoder(patches).mean(axes: [1]))
    }

    /// NT-Xent between `first` and `second` views (each windows[m]: [B, samples_m, channels_m]).
    public func loss(first: [Tensor], second: [Tensor]) -> Tensor {
        let views = zip(first, second).map { Tensor.concatenate([$0, $1], axis: 0) }
        return Loss.ntXent(embed(views), temperature: temperature)
    }
}
