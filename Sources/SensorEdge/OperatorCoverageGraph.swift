import SensorTensor

/// A small graph that uses every supported operator and option the student does not (ADD, SAME padding,
/// ReLU6, stride 2 depthwise, a flattening RESHAPE, CONCATENATION of differently derived tensors), so the
/// TFLite Micro comparison covers the whole operator set:
///
///     x, y [1, 1, 16, 4] -> ADD + ReLU -> DEPTHWISE_CONV_2D (K 3, stride 2, SAME, ReLU6) [1, 1, 8, 4]
///       -> CONV_2D (K 3, SAME, no activation) [1, 1, 8, 6] -> MEAN (1, 2) [1, 6]
///                                                         -> RESHAPE [1, 48]
///       -> CONCATENATION [1, 54] -> FULLY_CONNECTED + ReLU [1, 10] -> FULLY_CONNECTED [1, 5] -> SOFTMAX
///
/// Outputs: the convolution output, the logits and the probabilities.
public enum OperatorCoverageGraph {
    static let length = 16, channels = 4, convolutionChannels = 6, hidden = 10, classes = 5

    /// The float graph with seeded random weights.
    public static func floatGraph(seed: UInt64) -> EdgeGraph {
        var generator = RandomGenerator(seed: seed)
        func random(_ count: Int, scale: Float) -> [Float] { (0..<count).map { _ in scale * generator.nextNormal() } }
        var graph = EdgeGraph()
        func activation(_ name: String, _ shape: [Int]) -> Int {
            graph.addTensor(EdgeTensor(name: name, shape: shape, elementType: .float32))
        }
        func constant(_ name: String, _ shape: [Int], scale: Float) -> Int {
            graph.addTensor(EdgeTensor(name: name, shape: shape, elementType: .float32,
                                       constant: .float(random(shape.reduce(1, *), scale: scale))))
        }
        let x = activation("x", [1, 1, length, channels]), y = activation("y", [1, 1, length, channels])
        graph.inputs = [x, y]
        let sum = activation("sum", [1, 1, length, channels])
        graph.operators.append(.add(first: x, second: y, output: sum, activation: .relu))
        let depthwise = activation("depthwise", [1, 1, length / 2, channels])
        graph.operators.append(.depthwiseConvolution(input: sum, filter: constant("depthwise_filter", [1, 1, 3, channels], scale: 0.8),
                                                     bias: constant("depthwise_bias", [channels], scale: 0.3), output: depthwise,
                                                     stride: 2, padding: .same, activation: .relu6))
        let convolution = activation("convolution", [1, 1, length / 2, convolutionChannels])
        graph.operators.append(.convolution(input: depthwise,
                                            filter: constant("convolution_filter", [convolutionChannels, 1, 3, channels], scale: 0.4),
                                            bias: constant("convolution_bias", [convolutionChannels], scale: 0.3), output: convolution,
                                            stride: 1, padding: .same, activation: .none))
        let axes = graph.addTensor(EdgeTensor(name: "axes", shape: [2], elementType: .int32, constant: .int32([1, 2])))
        let pooled = activation("pooled", [1, convolutionChannels])
        graph.operators.append(.mean(input: convolution, axes: axes, output: pooled))
        let flatCount = length / 2 * convolutionChannels
        let flatShape = graph.addTensor(EdgeTensor(name: "flat_shape", shape: [2], elementType: .int32, constant: .int32([1, Int32(flatCount)])))
        let flat = activation("flat", [1, flatCount])
        graph.operators.append(.reshape(input: convolution, shape: flatShape, output: flat))
        let features = activation("features", [1, convolutionChannels + flatCount])
        graph.operators.append(.concatenation(inputs: [pooled, flat], output: features, axis: 1))
        let hiddenOutput = activation("hidden", [1, hidden])
        graph.operators.append(.fullyConnected(input: features, weights: constant("hidden_weights", [hidden, convolutionChannels + flatCount], scale: 0.2),
                                               bias: constant("hidden_bias", [hidden], scale: 0.2), output: hiddenOutput, activation: .relu))
        let logits = activation("logits", [1, classes])
        graph.operators.append(.fullyConnected(input: hiddenOutput, weights: constant("logits_weights", [classes, hidden], scale: 0.6),
                                               bias: constant("logits_bias", [classes], scale: 0.2), output: logits, activation: .none))
        let probabilities = activation("probabilities", [1, classes])
        graph.operators.append(.softmax(input: logits, output: probabilities))
        graph.outputs = [convolution, logits, probabilities]
        return graph
    }

    /// The int8 graph calibrated on `calibrationCount` standard-normal input pairs; in 16x8 without the SOFTMAX.
    public static func quantizedGraph(seed: UInt64, calibrationCount: Int = 64, arithmetic: EdgeArithmetic = .int8) -> EdgeGraph {
        let graph = arithmetic == .int8 ? floatGraph(seed: seed) : floatGraph(seed: seed).droppingSoftmax()
        var generator = RandomGenerator(seed: seed &+ 1)
        let samples = (0..<calibrationCount).map { _ in
            graph.inputs.map { index in (0..<graph.tensors[index].count).map { _ in generator.nextNormal() } }
        }
        return PostTrainingQuantization.quantize(graph, ranges: PostTrainingQuantization.calibrate(graph, samples: samples),
                                                 arithmetic: arithmetic)
    }

    /// Uniform random int8 inputs over the whole range (saturation and clamps included).
    public static func testInputs(for graph: EdgeGraph, count: Int, seed: UInt64) -> [[[Int8]]] {
        var generator = RandomGenerator(seed: seed &+ 2)
        return (0..<count).map { _ in
            graph.inputs.map { index in (0..<graph.tensors[index].count).map { _ in Int8(generator.nextInt(below: 256) - 128) } }
        }
    }

    /// Int16 inputs of a 16x8 graph: standard-normal pairs quantized with its input scales, every fourth sample
    /// uniform over the whole int16 range (saturation and clamps).
    public static func testInputs16(for graph: EdgeGraph, count: Int, seed: UInt64) -> [[[Int16]]] {
        var generator = RandomGenerator(seed: seed &+ 2)
        return (0..<count).map { sample in
            if sample % 4 == 3 {
                return graph.inputs.map { index in (0..<graph.tensors[index].count).map { _ in Int16(generator.nextInt(below: 65536) - 32768) } }
            }
            let floats = graph.inputs.map { index in (0..<graph.tensors[index].count).map { _ in generator.nextNormal() } }
            return PostTrainingQuantization.quantizeInputs16(floats, for: graph)
        }
    }
}
