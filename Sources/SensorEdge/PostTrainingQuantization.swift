/// Post-training quantization of a float `EdgeGraph` from calibration ranges, int8 (TFLite's int8 rules, see
/// `Int8Quantization`) or 16x8 (`Int16Quantization`): observed min/max of every activation over a calibration
/// set give per-tensor parameters; weights are quantized per output channel (FULLY_CONNECTED per tensor),
/// biases to int32 (int8) or int64 (16x8). A 16x8 graph has no SOFTMAX (see `EdgeGraph.droppingSoftmax`).
///
/// Tensors that TFLite Micro requires to share parameters are tied: a RESHAPE's output takes its input's,
/// a CONCATENATION's inputs take the output's (the union of their ranges), SOFTMAX's output is 1/256, −128.
public enum PostTrainingQuantization {
    /// Observed value range of one tensor.
    public struct Range: Sendable, Equatable {
        public var minimum: Float
        public var maximum: Float

        public init(minimum: Float, maximum: Float) {
            self.minimum = minimum
            self.maximum = maximum
        }

        mutating func include(_ other: Range) {
            minimum = min(minimum, other.minimum)
            maximum = max(maximum, other.maximum)
        }
    }

    /// Min/max of every non-constant tensor over the calibration samples (each sample: the graph's float
    /// inputs, flat channels-last, in `graph.inputs` order).
    public static func calibrate(_ graph: EdgeGraph, samples: [[[Float]]]) -> [Int: Range] {
        precondition(!samples.isEmpty, "PostTrainingQuantization.calibrate: needs at least one calibration sample")
        let reference = FloatReference(graph: graph)
        var ranges: [Int: Range] = [:]
        for sample in samples {
            let values = reference.runAll(sample)
            for (index, tensor) in graph.tensors.enumerated() where tensor.constant == nil {
                let observed = Range(minimum: values[index].min() ?? 0, maximum: values[index].max() ?? 0)
                if ranges[index] == nil { ranges[index] = observed } else { ranges[index]!.include(observed) }
            }
        }
        return ranges
    }

    /// Per-tensor activation parameters after tying, for every non-constant tensor.
    public static func activationParameters(_ graph: EdgeGraph, ranges: [Int: Range],
                                            arithmetic: EdgeArithmetic = .int8) -> [Int: AffineQuantization] {
        var ranges = ranges
        for case .concatenation(let inputs, let output, _) in graph.operators {
            var union = ranges[output]!
            for input in inputs { union.include(ranges[input]!) }
            for index in inputs + [output] { ranges[index] = union }
        }
        var parameters: [Int: AffineQuantization] = [:]
        for (index, range) in ranges {
            parameters[index] = arithmetic == .int8
                ? Int8Quantization.activationParameters(minimum: range.minimum, maximum: range.maximum)
                : Int16Quantization.activationParameters(minimum: range.minimum, maximum: range.maximum)
        }
        for op in graph.operators {
            switch op {
            case .reshape(let input, _, let output): parameters[output] = parameters[input]
            case .softmax(_, let output):
                precondition(arithmetic == .int8, "PostTrainingQuantization: 16x8 graphs end at the logits (no int16 SOFTMAX); drop it first")
                parameters[output] = AffineQuantization(scale: 1.0 / 256, zeroPoint: -128)
            default: break
            }
        }
        return parameters
    }

    /// The quantized graph: activations and inputs int8 (int16 in 16x8) with their parameters, weights int8,
    /// biases int32 (int64 in 16x8).
    public static func quantize(_ graph: EdgeGraph, ranges: [Int: Range], arithmetic: EdgeArithmetic = .int8) -> EdgeGraph {
        let parameters = activationParameters(graph, ranges: ranges, arithmetic: arithmetic)
        var result = graph
        for (index, tensor) in graph.tensors.enumerated() where tensor.constant == nil {
            guard let quantization = parameters[index] else {
                preconditionFailure("PostTrainingQuantization: tensor \(tensor.name) has no calibration range")
            }
            result.tensors[index].elementType = arithmetic == .int8 ? .int8 : .int16
            result.tensors[index].quantization = quantization
        }
        for op in graph.operators {
            switch op {
            case .convolution(let input, let filter, let bias, _, _, _, _):
                quantizeWeights(&result, filter: filter, bias: bias, inputScale: parameters[input]!.scale, channelAxis: 0, arithmetic: arithmetic)
            case .depthwiseConvolution(let input, let filter, let bias, _, _, _, _):
                quantizeWeights(&result, filter: filter, bias: bias, inputScale: parameters[input]!.scale, channelAxis: 3, arithmetic: arithmetic)
            case .fullyConnected(let input, let weights, let bias, _, _):
                quantizeWeights(&result, filter: weights, bias: bias, inputScale: parameters[input]!.scale, channelAxis: nil, arithmetic: arithmetic)
            default: break
            }
        }
        return result
    }

    /// Quantizes float inputs (flat, channels-last) with the int8 graph's input parameters.
    public static func quantizeInputs(_ inputs: [[Float]], for graph: EdgeGraph) -> [[Int8]] {
        zip(graph.inputs, inputs).map { index, values in
            let q = graph.tensors[index].quantization!
            return values.map { Int8Quantization.quantizeActivation($0, scale: q.scale, zeroPoint: q.zeroPoint) }
        }
    }

    /// Quantizes float inputs (flat, channels-last) with the 16x8 graph's symmetric int16 input parameters.
    public static func quantizeInputs16(_ inputs: [[Float]], for graph: EdgeGraph) -> [[Int16]] {
        zip(graph.inputs, inputs).map { index, values in
            let scale = graph.tensors[index].quantization!.scale
            return values.map { Int16Quantization.quantizeActivation($0, scale: scale) }
        }
    }

    /// Weights symmetric per channel along `channelAxis` (per tensor when nil), bias int32 (int64 in 16x8) at s_in · s_w.
    private static func quantizeWeights(_ graph: inout EdgeGraph, filter: Int, bias: Int, inputScale: Float, channelAxis: Int?,
                                        arithmetic: EdgeArithmetic) {
        guard case .float(let weights) = graph.tensors[filter].constant,
              case .float(let biases) = graph.tensors[bias].constant else {
            preconditionFailure("PostTrainingQuantization: \(graph.tensors[filter].name) and its bias must be float constants")
        }
        let shape = graph.tensors[filter].shape
        let channels: Int, channelOf: (Int) -> Int
        switch channelAxis {
        case .some(0): channels = shape[0]; let perChannel = weights.count / shape[0]; channelOf = { $0 / perChannel }
        case .some(let axis): channels = shape[axis]; channelOf = { $0 % channels }
        case .none: channels = 1; channelOf = { _ in 0 }
        }
        let scales = Int8Quantization.perChannelScales(weights, channels: channels, channelOf: channelOf)
        let quantized = weights.enumerated().map { Int8Quantization.quantizeWeight($1, scale: scales[channelOf($0)]) }
        graph.tensors[filter].elementType = .int8
        graph.tensors[filter].constant = .int8(quantized)
        graph.tensors[filter].quantization = AffineQuantization(scales: scales, zeroPoints: Array(repeating: 0, count: channels),
                                                                quantizedDimension: channelAxis ?? 0)
        let biasScales = (0..<biases.count).map { inputScale * scales[channelAxis == nil ? 0 : $0] }
        func weightScale(_ channel: Int) -> Float { scales[channelAxis == nil ? 0 : channel] }
        if arithmetic == .int8 {
            graph.tensors[bias].elementType = .int32
            graph.tensors[bias].constant = .int32(biases.enumerated().map {
                Int8Quantization.quantizeBias($1, inputScale: inputScale, weightScale: weightScale($0))
            })
        } else {
            graph.tensors[bias].elementType = .int64
            graph.tensors[bias].constant = .int64(biases.enumerated().map {
                Int16Quantization.quantizeBias($1, inputScale: inputScale, weightScale: weightScale($0))
            })
        }
        graph.tensors[bias].quantization = channelAxis == nil
            ? AffineQuantization(scale: biasScales[0], zeroPoint: 0)
            : AffineQuantization(scales: biasScales, zeroPoints: Array(repeating: 0, count: biases.count))
    }
}
