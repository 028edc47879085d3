import Foundation

/// Runs a float `EdgeGraph` (the lowered student before quantization) in the same layout and operator
/// semantics as the integer runtime: the calibration pass and the float side of accuracy comparisons.
public struct FloatReference: Sendable {
    public let graph: EdgeGraph

    public init(graph: EdgeGraph) {
        self.graph = graph
    }

    private func constant(_ index: Int) -> [Float] {
        guard case .float(let values) = graph.tensors[index].constant else {
            preconditionFailure("FloatReference: \(graph.tensors[index].name) is not a float constant")
        }
        return values
    }

    /// Every tensor's float values for one set of inputs (flat, channels-last, in `graph.inputs` order).
    public func runAll(_ inputs: [[Float]]) -> [[Float]] {
        precondition(inputs.count == graph.inputs.count, "FloatReference: \(inputs.count) inputs for \(graph.inputs.count)")
        var values = [[Float]](repeating: [], count: graph.tensors.count)
        for (index, input) in zip(graph.inputs, inputs) {
            precondition(input.count == graph.tensors[index].count,
                         "FloatReference: input \(graph.tensors[index].name) has \(input.count) values, shape \(graph.tensors[index].shape)")
            values[index] = input
        }
        for op in graph.operators { values[op.outputTensor] = evaluate(op, values) }
        return values
    }

    /// The graph's outputs for one set of inputs.
    public func run(_ inputs: [[Float]]) -> [[Float]] {
        let values = runAll(inputs)
        return graph.outputs.map { values[$0] }
    }

    private static func activate(_ value: Float, _ activation: FusedActivation) -> Float {
        switch activation {
        case .none: value
        case .relu: max(value, 0)
        case .relu6: min(max(value, 0), 6)
        }
    }

    private func evaluate(_ op: EdgeOperator, _ values: [[Float]]) -> [Float] {
        let tensors = graph.tensors
        switch op {
        case .reshape(let input, _, _):
            return values[input]
        case .convolution(let input, let filter, let bias, let output, let stride, let padding, let activation),
             .depthwiseConvolution(let input, let filter, let bias, let output, let stride, let padding, let activation):
            var depthwise = false
            if case .depthwiseConvolution = op { depthwise = true }
            let x = values[input], w = constant(filter), b = constant(bias)
            let length = tensors[input].shape[2], inputChannels = tensors[input].shape[3]
            let kernelSize = tensors[filter].shape[2], outputChannels = tensors[output].shape[3]
            let (outputLength, before) = padding.geometry(inputLength: length, kernelSize: kernelSize, stride: stride)
            var y = [Float](repeating: 0, count: outputLength * outputChannels)
            for t in 0..<outputLength {
                for o in 0..<outputChannels {
                    var sum = b[o]
                    for tap in 0..<kernelSize {
                        let position = t * stride - before + tap
                        if position < 0 || position >= length { continue }
                        if depthwise {
                            sum += w[tap * outputChannels + o] * x[position * inputChannels + o]
                        } else {
                            for i in 0..<inputChannels { sum += w[(o * kernelSize + tap) * inputChannels + i] * x[position * inputChannels + i] }
                        }
                    }
                    y[t * outputChannels + o] = Self.activate(sum, activation)
                }
            }
            return y
        case .fullyConnected(let input, let weights, let bias, _, let activation):
            let x = values[input], w = constant(weights), b = constant(bias)
            let inputs = x.count
            return (0..<b.count).map { o in
                var sum = b[o]
                for i in 0..<inputs { sum += w[o * inputs + i] * x[i] }
                return Self.activate(sum, activation)
            }
        case .mean(let input, _, _):
            let shape = tensors[input].shape, x = values[input]
            let length = shape[2], channels = shape[3]
            return (0..<channels).map { c in
                var sum: Float = 0
                for t in 0..<length { sum += x[t * channels + c] }
                return sum / Float(length)
            }
        case .concatenation(let inputs, _, _):
            return inputs.flatMap { values[$0] }
        case .add(let first, let second, _, let activation):
            return zip(values[first], values[second]).map { Self.activate($0 + $1, activation) }
        case .softmax(let input, _):
            let x = values[input]
            let maximum = x.max() ?? 0
            let exps = x.map { Foundation.exp($0 - maximum) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }
}
