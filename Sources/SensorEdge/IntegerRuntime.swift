/// Runs a quantized `EdgeGraph` with integer arithmetic only, as TFLite Micro's reference kernels would;
/// multipliers are derived once at construction from the float32 scales the flatbuffer stores.
public struct IntegerRuntime: Sendable {
    public let graph: EdgeGraph
    let steps: [Step]

    enum Step: Sendable {
        case copy(input: Int, output: Int)
        case convolution(input: Int, filter: [Int8], bias: [Int32], output: Int, length: Int, inputChannels: Int,
                         outputChannels: Int, kernelSize: Int, stride: Int, padding: ConvolutionPadding, depthwise: Bool,
                         inputZeroPoint: Int32, multipliers: [FixedPoint.QuantizedMultiplier], outputZeroPoint: Int32,
                         range: ClosedRange<Int32>)
        case fullyConnected(input: Int, weights: [Int8], bias: [Int32], output: Int, outputs: Int, inputZeroPoint: Int32,
                            multiplier: FixedPoint.QuantizedMultiplier, outputZeroPoint: Int32, range: ClosedRange<Int32>)
        case mean(input: Int, output: Int, length: Int, channels: Int, inputZeroPoint: Int32,
                  multiplier: FixedPoint.QuantizedMultiplier, outputZeroPoint: Int32)
        case concatenation(inputs: [Int], output: Int)
        case add(first: Int, second: Int, output: Int, parameters: AddParameters, range: ClosedRange<Int32>)
        case softmax(input: Int, output: Int, kernel: IntegerSoftmax)
    }

    public init(graph: EdgeGraph) {
        precondition(graph.isQuantized, "IntegerRuntime: the graph still has float tensors; quantize it first")
        precondition(!graph.hasInt16Activations, "IntegerRuntime: a 16x8 graph runs in Integer16x8Runtime")
        self.graph = graph
        let tensors = graph.tensors
        func parameters(_ index: Int) -> AffineQuantization {
            guard let quantization = tensors[index].quantization else {
                preconditionFailure("IntegerRuntime: tensor \(tensors[index].name) has no quantization parameters")
            }
            return quantization
        }
        func int8Constant(_ index: Int) -> [Int8] {
            guard case .int8(let values) = tensors[index].constant else { preconditionFailure("IntegerRuntime: \(tensors[index].name) is not an int8 constant") }
            return values
        }
        func int32Constant(_ index: Int) -> [Int32] {
            guard case .int32(let values) = tensors[index].constant else { preconditionFailure("IntegerRuntime: \(tensors[index].name) is not an int32 constant") }
            return values
        }
        func range(_ activation: FusedActivation, _ output: Int) -> ClosedRange<Int32> {
            let q = parameters(output)
            return IntegerKernels.activationRange(activation, scale: q.scale, zeroPoint: q.zeroPoint)
        }
        func convolutionStep(input: Int, filter: Int, bias: Int, output: Int, stride: Int, padding: ConvolutionPadding,
                             activation: FusedActivation, depthwise: Bool) -> Step {
            let inputShape = tensors[input].shape, filterShape = tensors[filter].shape
            let inputScale = Double(parameters(input).scale), outputScale = Double(parameters(output).scale)
            let multipliers = parameters(filter).scales.map {
                FixedPoint.quantizeMultiplier(inputScale * Double($0) / outputScale)
            }
            return .convolution(input: input, filter: int8Constant(filter), bias: int32Constant(bias), output: output,
                                length: inputShape[2], inputChannels: inputShape[3],
                                outputChannels: depthwise ? filterShape[3] : filterShape[0], kernelSize: filterShape[2],
                                stride: stride, padding: padding, depthwise: depthwise, inputZeroPoint: parameters(input).zeroPoint,
                                multipliers: multipliers, outputZeroPoint: parameters(output).zeroPoint, range: range(activation, output))
        }
        steps = graph.operators.map { op in
            switch op {
            case .reshape(let input, _, let output):
                return .copy(input: input, output: output)
            case .convolution(let input, let filter, let bias, let output, let stride, let padding, let activation):
                return convolutionStep(input: input, filter: filter, bias: bias, output: output, stride: stride,
                                       padding: padding, activation: activation, depthwise: false)
            case .depthwiseConvolution(let input, let filter, let bias, let output, let stride, let padding, let activation):
                return convolutionStep(input: input, filter: filter, bias: bias, output: output, stride: stride,
                                       padding: padding, activation: activation, depthwise: true)
            case .fullyConnected(let input, let weights, let bias, let output, let activation):
                // TFLite forms the FC product s_in·s_w in float32, then divides in double.
                let product = Double(parameters(input).scale * parameters(weights).scale)
                return .fullyConnected(input: input, weights: int8Constant(weights), bias: int32Constant(bias), output: output,
                                       outputs: tensors[weights].shape[0], inputZeroPoint: parameters(input).zeroPoint,
                                       multiplier: FixedPoint.quantizeMultiplier(product / Double(parameters(output).scale)),
                                       outputZeroPoint: parameters(output).zeroPoint, range: range(activation, output))
            case .mean(let input, let axes, let output):
                let shape = tensors[input].shape
                precondition(shape.count == 4 && shape[1] == 1 && int32Constant(axes) == [1, 2],
                             "IntegerRuntime: MEAN \(tensors[output].name) supports [1, 1, L, C] over axes (1, 2), got \(shape)")
                return .mean(input: input, output: output, length: shape[2], channels: shape[3],
                             inputZeroPoint: parameters(input).zeroPoint,
                             multiplier: FixedPoint.quantizeMultiplier(Double(parameters(input).scale) / Double(parameters(output).scale)),
                             outputZeroPoint: parameters(output).zeroPoint)
            case .concatenation(let inputs, let output, let axis):
                precondition(axis == tensors[output].shape.count - 1 || axis == -1,
                             "IntegerRuntime: CONCATENATION \(tensors[output].name) supports the last axis only, got \(axis)")
                for input in inputs {
                    precondition(parameters(input) == parameters(output),
                                 "IntegerRuntime: CONCATENATION \(tensors[output].name) needs \(tensors[input].name) at the output's scale and zero point")
                }
                return .concatenation(inputs: inputs, output: output)
            case .add(let first, let second, let output, let activation):
                return .add(first: first, second: second, output: output,
                            parameters: AddParameters(first: parameters(first), second: parameters(second), output: parameters(output)),
                            range: range(activation, output))
            case .softmax(let input, let output):
                return .softmax(input: input, output: output, kernel: IntegerSoftmax(inputScale: parameters(input).scale))
            }
        }
    }

    /// Runs the graph on int8 inputs in `graph.inputs` order (each the input tensor's flat channels-last
    /// contents) and returns every tensor's values (constants and untouched tensors are empty).
    public func runAll(_ inputs: [[Int8]]) -> [[Int8]] {
        precondition(inputs.count == graph.inputs.count, "IntegerRuntime: \(inputs.count) inputs for \(graph.inputs.count)")
        var values = [[Int8]](repeating: [], count: graph.tensors.count)
        for (index, input) in zip(graph.inputs, inputs) {
            precondition(input.count == graph.tensors[index].count,
                         "IntegerRuntime: input \(graph.tensors[index].name) has \(input.count) values, shape \(graph.tensors[index].shape)")
            values[index] = input
        }
        for step in steps { execute(step, &values) }
        return values
    }

    /// The graph's outputs for one set of int8 inputs.
    public func run(_ inputs: [[Int8]]) -> [[Int8]] {
        let values = runAll(inputs)
        return graph.outputs.map { values[$0] }
    }

    private func execute(_ step: Step, _ values: inout [[Int8]]) {
        switch step {
        case .copy(let input, let output):
            values[output] = values[input]
        case .convolution(let input, let filter, let bias, let output, let length, let inputChannels, let outputChannels,
                          let kernelSize, let stride, let padding, let depthwise, let inputZeroPoint, let multipliers,
                          let outputZeroPoint, let range):
            var result = [Int8](repeating: 0, count: graph.tensors[output].count)
            values[input].withUnsafeBufferPointer { x in filter.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                multipliers.withUnsafeBufferPointer { m in result.withUnsafeMutableBufferPointer { y in
                    if depthwise {
                        IntegerKernels.depthwiseConvolution(input: x, length: length, channels: inputChannels, inputZeroPoint: inputZeroPoint,
                                                            filter: w, bias: b, kernelSize: kernelSize, stride: stride, padding: padding,
                                                            multipliers: m, outputZeroPoint: outputZeroPoint, range: range, output: y)
                    } else {
                        IntegerKernels.convolution(input: x, length: length, inputChannels: inputChannels, inputZeroPoint: inputZeroPoint,
                                                   filter: w, bias: b, outputChannels: outputChannels, kernelSize: kernelSize,
                                                   stride: stride, padding: padding, multipliers: m, outputZeroPoint: outputZeroPoint,
                                                   range: range, output: y)
                    }
                } }
            } } }
            values[output] = result
        case .fullyConnected(let input, let weights, let bias, let output, let outputs, let inputZeroPoint, let multiplier,
                             let outputZeroPoint, let range):
            var result = [Int8](repeating: 0, count: outputs)
            values[input].withUnsafeBufferPointer { x in weights.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { y in
                    IntegerKernels.fullyConnected(input: x, inputZeroPoint: inputZeroPoint, weights: w, bias: b, outputs: outputs,
                                                  multiplier: multiplier, outputZeroPoint: outputZeroPoint, range: range, output: y)
                }
            } } }
            values[output] = result
        case .mean(let input, let output, let length, let channels, let inputZeroPoint, let multiplier, let outputZeroPoint):
            var result = [Int8](repeating: 0, count: channels)
            values[input].withUnsafeBufferPointer { x in result.withUnsafeMutableBufferPointer { y in
                IntegerKernels.mean(input: x, length: length, channels: channels, inputZeroPoint: inputZeroPoint,
                                    multiplier: multiplier, outputZeroPoint: outputZeroPoint, output: y)
            } }
            values[output] = result
        case .concatenation(let inputs, let output):
            values[output] = inputs.flatMap { values[$0] }
        case .add(let first, let second, let output, let parameters, let range):
            var result = [Int8](repeating: 0, count: graph.tensors[output].count)
            values[first].withUnsafeBufferPointer { a in values[second].withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { y in
                    IntegerKernels.add(first: a, second: b, parameters: parameters, range: range, output: y)
                }
            } }
            values[output] = result
        case .softmax(let input, let output, let kernel):
            var result = [Int8](repeating: 0, count: graph.tensors[output].count)
            values[input].withUnsafeBufferPointer { x in result.withUnsafeMutableBufferPointer { y in kernel(x, output: y) } }
            values[output] = result
        }
    }
}
