import SensorTensor

/// An element-wise non-linearity.
public enum Activation: Sendable, Equatable {
    case relu
    /// GELU, exact (erf) form by default as PyTorch's `nn.GELU()`.
    case gelu(GELUApproximation = .erf)
    case silu
    case tanh
    case sigmoid

    public func callAsFunction(_ input: Tensor) -> Tensor {
        switch self {
        case .relu: input.relu()
        case .gelu(let approximation): input.gelu(approximation: approximation)
        case .silu: input.silu()
        case .tanh: input.tanh()
        case .sigmoid: input.sigmoid()
        }
    }
}

/// An activation as a layer, for `Sequential`.
public final class ActivationLayer: Module, UnaryLayer {
    public let activation: Activation

    public init(_ activation: Activation) {
        self.activation = activation
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { activation(input) }
}

/// Inverted dropout: in training, zeroes each element with `probability` and scales the rest by
/// 1/(1 − probability); the identity in evaluation.
///
/// The layer owns a generator split from the one that builds the model, so a run's dropout masks
/// follow from its seed.
public final class Dropout: Module, UnaryLayer {
    public let probability: Float
    /// The stream the masks are drawn from.
    public var generator: RandomGenerator

    public init(probability: Float, generator: inout RandomGenerator) {
        precondition((0..<1).contains(probability), "Dropout: probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = generator.split()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        return input.dropout(probability: probability, generator: &generator, training: true)
    }
}

/// A stack of `Linear` layers with `activation` between them (not after the last):
/// [..., dimensions[0]] -> [..., dimensions.last].
public final class MLP: Module, UnaryLayer {
    public let layers: [Linear]
    public let activation: Activation

    /// - Parameter dimensions: input width, hidden widths, output width (at least two entries).
    public init(dimensions: [Int], activation: Activation, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(dimensions.count >= 2, "MLP: needs at least input and output dimensions, got \(dimensions)")
        var layers: [Linear] = []
        for (input, output) in zip(dimensions, dimensions.dropFirst()) {
            layers.append(Linear(inputDimensions: input, outputDimensions: output, bias: bias, generator: &generator))
        }
        self.layers = layers
        self.activation = activation
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = layers[0](input)
        for layer in layers.dropFirst() {
            if activation == .gelu(.erf) {
                // Fused so the backward recomputes GELU instead of keeping its output alive.
                x = x.geluLinear(weight: layer.weight, bias: layer.bias)
            } else {
                x = layer(activation(x))
            }
        }
        return x
    }
}

/// Layers applied one after another; parameters are named `layers.<index>.<name>`.
public final class Sequential: Module, UnaryLayer {
    public let layers: [Module]
    private let forwards: [(Tensor) -> Tensor]

    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers.map { $0 }
        forwards = layers.map { layer in { layer($0) } }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        forwards.reduce(input) { x, forward in forward(x) }
    }
}
