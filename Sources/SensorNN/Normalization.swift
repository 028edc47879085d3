import SensorTensor

/// Layer normalisation over the last axis (Ba, Kiros & Hinton, 2016): [..., dimensions] -> same
/// shape, with a learned scale (`weight`, ones) and shift (`bias`, zeros).
public final class LayerNorm: Module, UnaryLayer {
    /// [dimensions].
    public let weight: Tensor
    /// [dimensions].
    public let bias: Tensor
    public let epsilon: Float

    public init(dimensions: Int, epsilon: Float = 1e-5) {
        precondition(dimensions > 0, "LayerNorm: dimensions must be positive, got \(dimensions)")
        precondition(epsilon > 0, "LayerNorm: epsilon must be > 0, got \(epsilon)")
        weight = Tensor.ones([dimensions], requiresGrad: true)
        bias = Tensor.zeros([dimensions], requiresGrad: true)
        self.epsilon = epsilon
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(weight: weight, bias: bias, epsilon: epsilon)
    }
}

/// Batch normalisation over [N, features] or [N, features, L] (Ioffe & Szegedy, 2015).
///
/// Training normalises with the batch statistics and updates the running ones in place
/// (running = (1 − momentum)·running + momentum·batch); evaluation uses the running statistics.
public final class BatchNorm1d: Module, UnaryLayer {
    /// [features], ones.
    public let weight: Tensor
    /// [features], zeros.
    public let bias: Tensor
    /// [features], zeros at first.
    @Buffer public var runningMean: Tensor
    /// [features], ones at first.
    @Buffer public var runningVariance: Tensor
    public let momentum: Float
    public let epsilon: Float

    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(features > 0, "BatchNorm1d: features must be positive, got \(features)")
        precondition((0...1).contains(momentum), "BatchNorm1d: momentum must be in [0, 1], got \(momentum)")
        precondition(epsilon > 0, "BatchNorm1d: epsilon must be > 0, got \(epsilon)")
        weight = Tensor.ones([features], requiresGrad: true)
        bias = Tensor.zeros([features], requiresGrad: true)
        runningMean = Tensor.zeros([features])
        runningVariance = Tensor.ones([features])
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias,
                        training: isTraining, momentum: momentum, epsilon: epsilon)
    }
}
