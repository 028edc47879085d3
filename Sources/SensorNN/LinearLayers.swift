import SensorTensor

/// A layer with one tensor in and one tensor out, so it can sit in a `Sequential`.
public protocol UnaryLayer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// PyTorch's default initialisation of dense and convolution layers: kaiming-uniform with a = √5
/// for the weight and U(−1/√fanIn, 1/√fanIn) for the bias. With a = √5 the kaiming bound
/// gain·√(3/fanIn), gain = √(2/(1 + a²)), is also 1/√fanIn, so both draw from the same range.
enum DefaultInitialization {
    static func uniform(_ shape: [Int], fanIn: Int, generator: inout RandomGenerator) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return Tensor.uniform(shape, low: -bound, high: bound, generator: &generator, requiresGrad: true)
    }
}

/// A dense layer y = x·Wᵀ + b: input [..., inputDimensions] -> [..., outputDimensions].
public final class Linear: Module, UnaryLayer {
    /// [outputDimensions, inputDimensions] (PyTorch layout).
    public let weight: Tensor
    /// [outputDimensions], when the layer has a bias.
    public let bias: Tensor?

    public init(inputDimensions: Int, outputDimensions: Int, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(inputDimensions > 0 && outputDimensions > 0,
                     "Linear: dimensions must be positive, got \(inputDimensions) -> \(outputDimensions)")
        weight = DefaultInitialization.uniform([outputDimensions, inputDimensions], fanIn: inputDimensions, generator: &generator)
        self.bias = bias ? DefaultInitialization.uniform([outputDimensions], fanIn: inputDimensions, generator: &generator) : nil
    }

    public var inputDimensions: Int { weight.shape[1] }
    public var outputDimensions: Int { weight.shape[0] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.linear(weight: weight, bias: bias)
    }
}

/// A 1-D convolution over [N, inputChannels, L] -> [N, outputChannels, T] (PyTorch layout and
/// semantics; `groups == inputChannels == outputChannels` is depthwise).
public final class Conv1d: Module, UnaryLayer {
    /// [outputChannels, inputChannels / groups, kernelSize].
    public let weight: Tensor
    /// [outputChannels], when the layer has a bias.
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let groups: Int

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0,
                     "Conv1d: channels \(inputChannels) -> \(outputChannels) and kernel size \(kernelSize) must be positive")
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv1d: \(groups) groups must divide both \(inputChannels) and \(outputChannels) channels")
        precondition(stride > 0 && dilation > 0 && padding >= 0,
                     "Conv1d: stride \(stride) and dilation \(dilation) must be positive, padding \(padding) >= 0")
        let fanIn = inputChannels / groups * kernelSize
        weight = DefaultInitialization.uniform([outputChannels, inputChannels / groups, kernelSize], fanIn: fanIn,
                                               generator: &generator)
        self.bias = bias ? DefaultInitialization.uniform([outputChannels], fanIn: fanIn, generator: &generator) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv1d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// A lookup table of `count` learned vectors of `dimensions` values, initialised from N(0, 1)
/// as PyTorch's `nn.Embedding`.
public final class Embedding: Module {
    /// [count, dimensions].
    public let weight: Tensor

    public init(count: Int, dimensions: Int, generator: inout RandomGenerator) {
        precondition(count > 0 && dimensions > 0, "Embedding: count \(count) and dimensions \(dimensions) must be positive")
        weight = Tensor.normal([count, dimensions], generator: &generator, requiresGrad: true)
    }

    /// The rows at `indices` (each in 0..<count) laid out as `shape` -> shape + [dimensions].
    public func callAsFunction(_ indices: [Int], shape: [Int]) -> Tensor {
        Tensor.embedding(weight: weight, indices: indices, indexShape: shape)
    }
}
