/// Runs a 16x8 `EdgeGraph` (int16 activations with zero point 0, int8 weights, int64 biases) with integer
/// arithmetic only, as TFLite Micro's 16x8 reference kernels, through the int8 runtime's `IntegerKernels`:
/// convolutions and FULLY_CONNECTED accumulate w · x in int64 (zero points 0), add the int64 bias and requantize
/// with the int64 `FixedPoint.multiplyByQuantizedMultiplier`; MEAN and ADD use the int32 arithmetic of the int8
/// kernels with int16 limits (ADD shifts its inputs by 15 bits instead of 20).
public struct Integer16x8Runtime: Sendable {
    public let graph: EdgeGraph
    private let steps: [Step]

    private enum Step: Sendable {
        case copy(input: Int, output: Int)
        case convolution(input: Int, filter: [Int8], bias: [Int64], output: Int, length: Int, inputChannels: Int,
                         outputChannels: Int, kernelSize: Int, stride: Int, padding: ConvolutionPadding, depthwise: Bool,
                         multipliers: [FixedPoint.QuantizedMultiplier], range: ClosedRange<Int32>)
        case fullyConnected(input: Int, weights: [Int8], bias: [Int64], output: Int, outputs: Int,
                            multiplier: FixedPoint.QuantizedMultiplier, range: ClosedRange<Int32>)
        case mean(input: Int, output: Int, length: Int, channels: Int, multiplier: FixedPoint.QuantizedMultiplier)
        case concatenation(inputs: [Int], output: Int)
        case add(first: Int, second: Int, output: Int, parameters: AddParameters, range: ClosedRange<Int32>)
    }

    static let limits = Int16Quantization.activationMinimum...Int16Quantization.activationMaximum

    public init(graph: EdgeGraph) {
        precondition(graph.isQuantized && graph.hasInt16Activations, "Integer16x8Runtime: the graph must be quantized 16x8")
        self.graph = graph
        let tensors = graph.tensors
        func parameters(_ index: Int) -> AffineQuantization {
            guard let quantization = tensors[index].quantization else {
                preconditionFailure("Integer16x8Runtime: tensor \(tensors[index].name) has no quantization parameters")
            }
            precondition(tensors[index].constant != nil || quantization.zeroPoints.allSatisfy { $0 == 0 },
                         "Integer16x8Runtime: int16 tensor \(tensors[index].name) must have zero point 0")
            return quantization
        }
        func int8Constant(_ index: Int) -> [Int8] {
            guard case .int8(let values) = tensors[index].constant else { preconditionFailure("Integer16x8Runtime: \(tensors[index].name) is not an int8 constant") }
            return values
        }
        func int64Constant(_ index: Int) -> [Int64] {
            guard case .int64(let values) = tensors[index].constant else { preconditionFailure("Integer16x8Runtime: \(tensors[index].name) is not an int64 constant") }
            return values
        }
        func range(_ activation: FusedActivation, _ output: Int) -> ClosedRange<Int32> {
            IntegerKernels.activationRange(activation, scale: parameters(output).scale, zeroPoint: 0, limits: Self.limits)
        }
        func convolutionStep(input: Int, filter: Int, bias: Int, output: Int, stride: Int, padding: ConvolutionPadding,
                             activation: FusedActivation, depthwise: Bool) -> Step {
            let inputShape = tensors[input].shape, filterShape = tensors[filter].shape
            let inputScale = Double(parameters(input).scale), outputScale = Double(parameters(output).scale)
            let multipliers = parameters(filter).scales.map { FixedPoint.quantizeMultiplier(inputScale * Double($0) / outputScale) }
            return .convolution(input: input, filter: int8Constant(filter), bias: int64Constant(bias), output: output,
                                length: inputShape[2], inputChannels: inputShape[3],
                                outputChannels: depthwise ? filterShape[3] : filterShape[0], kernelSize: filterShape[2],
                                stride: stride, padding: padding, depthwise: depthwise, multipliers: multipliers,
                                range: range(activation, output))
        }
        steps = graph.operators.map { op in
            switch op {
            case .reshape(let input, _, let output):
                return .copy(input: input, output: output)
            case .convolution(let input, let filter, let bias, let output, let stride, let padding, let activation):
                return convolutionStep(input: input, filter: filter, bias: bias, output: output, stride: stride, padding: padding,
                                       activation: activation, depthwise: false)
            case .depthwiseConvolution(let input, let filter, let bias, let output, let stride, let padding, let activation):
                return convolutionStep(input: input, filter: filter, bias: bias, output: output, stride: stride, padding: padding,
                                       activation: activation, depthwise: true)
            case .fullyConnected(let input, let weights, let bias, let output, let activation):
                let product = Double(parameters(input).scale * parameters(weights).scale)
                return .fullyConnected(input: input, weights: int8Constant(weights), bias: int64Constant(bias), output: output,
                                       outputs: tensors[weights].shape[0],
                                       multiplier: FixedPoint.quantizeMultiplier(product / Double(parameters(output).scale)),
                                       range: range(activation, output))
            case .mean(let input, _, let output):
                let shape = tensors[input].shape
                precondition(shape.count == 4 && shape[1] == 1, "Integer16x8Runtime: MEAN \(tensors[output].name) supports [1, 1, L, C], got \(shape)")
                return .mean(input: input, output: output, length: shape[2], channels: shape[3],
                             multiplier: FixedPoint.quantizeMultiplier(Double(parameters(input).scale) / Double(parameters(output).scale)))
            case .concatenation(let inputs, let output, let axis):
                precondition(axis == tensors[output].shape.count - 1 || axis == -1,
                             "Integer16x8Runtime: CONCATENATION \(tensors[output].name) supports the last axis only, got \(axis)")
                for input in inputs {
                    precondition(parameters(input) == parameters(output),
                                 "Integer16x8Runtime: CONCATENATION \(tensors[output].name) needs \(tensors[input].name) at the output's scale")
                }
                return .concatenation(inputs: inputs, output: output)
            case .add(let first, let second, let output, let activation):
                return .add(first: first, second: second, output: output,
                            parameters: AddParameters(first: parameters(first), second: parameters(second), output: parameters(output),
                                                      leftShift: 15),
                            range: range(activation, output))
            case .softmax(_, let output):
                preconditionFailure("Integer16x8Runtime: SOFTMAX \(tensors[output].name) is not supported in 16x8; the graph ends at the logits")
            }
        }
    }

    /// The graph's outputs for one set of int16 inputs (in `graph.inputs` order, flat channels-last).
    public func run(_ inputs: [[Int16]]) -> [[Int16]] {
        precondition(inputs.count == graph.inputs.count, "Integer16x8Runtime: \(inputs.count) inputs for \(graph.inputs.count)")
        var values = [[Int16]](repeating: [], count: graph.tensors.count)
        for (index, input) in zip(graph.inputs, inputs) {
            precondition(input.count == graph.tensors[index].count,
                         "Integer16x8Runtime: input \(graph.tensors[index].name) has \(input.count) values, shape \(graph.tensors[index].shape)")
            values[index] = input
        }
        for step in steps { execute(step, &values) }
        return graph.outputs.map { values[$0] }
    }

    /// A new int16 tensor of `count` values written by `kernel`.
    private static func produce(_ count: Int, _ kernel: (UnsafeMutableBufferPointer<Int16>) -> Void) -> [Int16] {
        var result = [Int16](repeating: 0, count: count)
        result.withUnsafeMutableBufferPointer { kernel($0) }
        return result
    }

    private func execute(_ step: Step, _ values: inout [[Int16]]) {
        switch step {
        case .copy(let input, let output):
            values[output] = values[input]
        case .convolution(let input, let filter, let bias, let output, let length, let inputChannels, let outputChannels,
                          let kernelSize, let stride, let padding, let depthwise, let multipliers, let range):
            values[output] = Self.produce(graph.tensors[output].count) { y in
                values[input].withUnsafeBufferPointer { x in filter.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                    multipliers.withUnsafeBufferPointer { m in
                        if depthwise {
                            IntegerKernels.depthwiseConvolution(input: x, length: length, channels: inputChannels, inputZeroPoint: Int64(0),
                                                                filter: w, bias: b, kernelSize: kernelSize, stride: stride, padding: padding,
                                                                multipliers: m, outputZeroPoint: 0, range: range, output: y)
                        } else {
                            IntegerKernels.convolution(input: x, length: length, inputChannels: inputChannels, inputZeroPoint: Int64(0),
                                                       filter: w, bias: b, outputChannels: outputChannels, kernelSize: kernelSize,
                                                       stride: stride, padding: padding, multipliers: m, outputZeroPoint: 0,
                                                       range: range, output: y)
                        }
                    }
                } } }
            }
        case .fullyConnected(let input, let weights, let bias, let output, let outputs, let multiplier, let range):
            values[output] = Self.produce(outputs) { y in
                values[input].withUnsafeBufferPointer { x in weights.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                    IntegerKernels.fullyConnected(input: x, inputZeroPoint: Int64(0), weights: w, bias: b, outputs: outputs,
                                                  multiplier: multiplier, outputZeroPoint: 0, range: range, output: y)
                } } }
            }
        case .mean(let input, let output, let length, let channels, let multiplier):
            values[output] = Self.produce(channels) { y in
                values[input].withUnsafeBufferPointer { x in
                    IntegerKernels.mean(input: x, length: length, channels: channels, inputZeroPoint: 0, multiplier: multiplier,
                                        outputZeroPoint: 0, output: y)
                }
            }
        case .concatenation(let inputs, let output):
            values[output] = inputs.flatMap { values[$0] }
        case .add(let first, let second, let output, let parameters, let range):
            values[output] = Self.produce(graph.tensors[output].count) { y in
                values[first].withUnsafeBufferPointer { a in values[second].withUnsafeBufferPointer { b in
                    IntegerKernels.add(first: a, second: b, parameters: parameters, range: range, output: y)
                } }
            }
        }
    }
}
