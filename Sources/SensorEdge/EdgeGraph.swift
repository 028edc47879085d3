/// A flat operator graph in TFLite's layout (channels-last, 1-D signals as [1, 1, length, channels]), the form
/// both the float calibration pass and the int8 runtime execute and the .tflite writer serialises.
///
/// The same graph exists twice: in float (constants are `.float`, no quantization) after lowering a student,
/// and in int8 after quantization (activations `.int8` with per-tensor parameters, weights `.int8` per channel,
/// biases `.int32`).
public struct EdgeGraph: Sendable {
    public var tensors: [EdgeTensor]
    public var operators: [EdgeOperator]
    /// Indices of the graph's input tensors (the deployed signature order).
    public var inputs: [Int]
    /// Indices of the graph's output tensors.
    public var outputs: [Int]

    public init(tensors: [EdgeTensor] = [], operators: [EdgeOperator] = [], inputs: [Int] = [], outputs: [Int] = []) {
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Appends a tensor and returns its index.
    public mutating func addTensor(_ tensor: EdgeTensor) -> Int {
        tensors.append(tensor)
        return tensors.count - 1
    }

    /// Whether no tensor is float32 (a graph the integer runtimes and the writer accept).
    public var isQuantized: Bool { tensors.allSatisfy { $0.elementType != .float32 } }

    /// Whether the activations are int16 (a 16x8 graph) rather than int8.
    public var hasInt16Activations: Bool { inputs.contains { tensors[$0].elementType == .int16 } }

    /// The graph without its final SOFTMAX: the 16x8 export ends at the logits, because TFLite's int16 SOFTMAX
    /// (lookup tables built in float at prepare time) has no bit-exact reference here. The probabilities
    /// tensor must be the last tensor and a graph output.
    public func droppingSoftmax() -> EdgeGraph {
        guard case .softmax(_, let output)? = operators.last else { return self }
        precondition(output == tensors.count - 1 && outputs.contains(output),
                     "EdgeGraph.droppingSoftmax: the softmax output \(tensors[output].name) must be the last tensor and an output")
        var result = self
        result.operators.removeLast()
        result.tensors.removeLast()
        result.outputs.removeAll { $0 == output }
        return result
    }
}

/// Element types, with the raw values of the TFLite schema's `TensorType`.
public enum EdgeElementType: UInt8, Sendable {
    case float32 = 0
    case int32 = 2
    case int64 = 4
    case int16 = 7
    case int8 = 9
}

/// Constant contents of a weight, bias or parameter tensor (row-major in the tensor's shape).
public enum EdgeConstant: Sendable, Equatable {
    case float([Float])
    case int8([Int8])
    case int32([Int32])
    /// 16x8 biases.
    case int64([Int64])

    public var count: Int {
        switch self {
        case .float(let values): values.count
        case .int8(let values): values.count
        case .int32(let values): values.count
        case .int64(let values): values.count
        }
    }
}

/// One tensor of the graph: activations have no constant; weights, biases and axis/shape parameters do.
public struct EdgeTensor: Sendable {
    public var name: String
    public var shape: [Int]
    public var elementType: EdgeElementType
    public var quantization: AffineQuantization?
    public var constant: EdgeConstant?

    public init(name: String, shape: [Int], elementType: EdgeElementType, quantization: AffineQuantization? = nil,
                constant: EdgeConstant? = nil) {
        if let constant {
            precondition(constant.count == shape.reduce(1, *),
                         "EdgeTensor \(name): constant of \(constant.count) values does not fill shape \(shape)")
        }
        self.name = name
        self.shape = shape
        self.elementType = elementType
        self.quantization = quantization
        self.constant = constant
    }

    public var count: Int { shape.reduce(1, *) }
}

/// Activation fused into an operator's output clamp, with TFLite's `ActivationFunctionType` raw values.
public enum FusedActivation: UInt8, Sendable {
    case none = 0
    case relu = 1
    case relu6 = 3
}

/// TFLite's `Padding`: SAME pads max((T − 1)·s + K − L, 0) positions, the smaller half before; VALID none.
public enum ConvolutionPadding: UInt8, Sendable {
    case same = 0
    case valid = 1

    /// Output length and padding before the first input position for a 1-D window of `kernelSize` taps.
    public func geometry(inputLength: Int, kernelSize: Int, stride: Int) -> (outputLength: Int, paddingBefore: Int) {
        switch self {
        case .valid:
            precondition(inputLength >= kernelSize, "VALID convolution: input length \(inputLength) < kernel \(kernelSize)")
            return ((inputLength - kernelSize) / stride + 1, 0)
        case .same:
            let output = (inputLength + stride - 1) / stride
            let total = max((output - 1) * stride + kernelSize - inputLength, 0)
            return (output, total / 2)
        }
    }
}

/// The operators the exporter supports. Index fields name tensors of the enclosing graph.
/// Convolutions see 1-D signals as [1, 1, L, C]; their filters are [O, 1, K, I] (CONV_2D, per-channel along 0)
/// and [1, 1, K, C] (DEPTHWISE_CONV_2D with depth multiplier 1, per-channel along 3).
public enum EdgeOperator: Sendable {
    case reshape(input: Int, shape: Int, output: Int)
    case convolution(input: Int, filter: Int, bias: Int, output: Int, stride: Int, padding: ConvolutionPadding,
                     activation: FusedActivation)
    case depthwiseConvolution(input: Int, filter: Int, bias: Int, output: Int, stride: Int,
                              padding: ConvolutionPadding, activation: FusedActivation)
    /// weights [O, I] (per-tensor), input [1, I] -> output [1, O].
    case fullyConnected(input: Int, weights: Int, bias: Int, output: Int, activation: FusedActivation)
    /// Mean over the axes held by the int32 tensor `axes` (keep_dims false).
    case mean(input: Int, axes: Int, output: Int)
    case concatenation(inputs: [Int], output: Int, axis: Int)
    case add(first: Int, second: Int, output: Int, activation: FusedActivation)
    case softmax(input: Int, output: Int)

    /// The operator's name in TFLite's `BuiltinOperator`, for error messages and reports.
    public var name: String {
        switch self {
        case .reshape: "RESHAPE"
        case .convolution: "CONV_2D"
        case .depthwiseConvolution: "DEPTHWISE_CONV_2D"
        case .fullyConnected: "FULLY_CONNECTED"
        case .mean: "MEAN"
        case .concatenation: "CONCATENATION"
        case .add: "ADD"
        case .softmax: "SOFTMAX"
        }
    }

    /// Tensor indices read, in TFLite's input order.
    public var inputTensors: [Int] {
        switch self {
        case .reshape(let input, let shape, _): [input, shape]
        case .convolution(let input, let filter, let bias, _, _, _, _),
             .depthwiseConvolution(let input, let filter, let bias, _, _, _, _): [input, filter, bias]
        case .fullyConnected(let input, let weights, let bias, _, _): [input, weights, bias]
        case .mean(let input, let axes, _): [input, axes]
        case .concatenation(let inputs, _, _): inputs
        case .add(let first, let second, _, _): [first, second]
        case .softmax(let input, _): [input]
        }
    }

    /// The tensor written.
    public var outputTensor: Int {
        switch self {
        case .reshape(_, _, let output), .convolution(_, _, _, let output, _, _, _),
             .depthwiseConvolution(_, _, _, let output, _, _, _), .fullyConnected(_, _, _, let output, _),
             .mean(_, _, let output), .concatenation(_, let output, _), .add(_, _, let output, _),
             .softmax(_, let output): output
        }
    }
}
