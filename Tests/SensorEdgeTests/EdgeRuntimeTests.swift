import Foundation
import Testing
import SensorTensor
@testable import SensorEdge

@Suite struct EdgeRuntimeTests {
    /// The integer runtime reproduces the outputs TFLite Micro computed for the golden student (committed by
    /// Scripts/edge_goldens.sh), bit for bit, without Python.
    @Test func studentMatchesTFLiteMicroGoldens() {
        let graph = EdgeSelfCheck.quantizedStudent(configuration: EdgeSelfCheck.goldenConfiguration, seed: 11)
        let inputs = EdgeSelfCheck.testInputs(for: graph, configuration: EdgeSelfCheck.goldenConfiguration,
                                              count: StudentGolden.sampleCount, seed: 11)
        let runtime = IntegerRuntime(graph: graph)
        for (index, sample) in inputs.enumerated() {
            #expect(runtime.run(sample) == StudentGolden.outputs[index], "sample \(index)")
        }
    }

    /// The same for the graph that uses every supported operator (ADD, SAME padding, ReLU6, RESHAPE, ...).
    @Test func operatorSetMatchesTFLiteMicroGoldens() {
        let graph = OperatorCoverageGraph.quantizedGraph(seed: 13)
        let inputs = OperatorCoverageGraph.testInputs(for: graph, count: OperatorGolden.sampleCount, seed: 13)
        let runtime = IntegerRuntime(graph: graph)
        for (index, sample) in inputs.enumerated() {
            #expect(runtime.run(sample) == OperatorGolden.outputs[index], "sample \(index)")
        }
    }

    @Test func activationRanges() {
        #expect(IntegerKernels.activationRange(.none, scale: 0.1, zeroPoint: 3) == -128...127)
        #expect(IntegerKernels.activationRange(.relu, scale: 0.1, zeroPoint: 3) == 3...127)
        #expect(IntegerKernels.activationRange(.relu6, scale: 0.1, zeroPoint: -100) == -100...(-40))
        #expect(IntegerKernels.activationRange(.relu6, scale: 0.01, zeroPoint: -100) == -100...127)
    }

    /// An int8 depthwise convolution stays within its quantization error of the float convolution of the
    /// dequantized input: per output, half an output step plus the weight rounding (half a weight step per tap
    /// times |x|) plus half a bias step.
    @Test func depthwiseConvolutionWithinQuantizationError() {
        var generator = RandomGenerator(seed: 5)
        let channels = 3, length = 20, kernel = 5
        var graph = EdgeGraph()
        let x = graph.addTensor(EdgeTensor(name: "x", shape: [1, 1, length, channels], elementType: .float32))
        let filter = graph.addTensor(EdgeTensor(name: "w", shape: [1, 1, kernel, channels], elementType: .float32,
                                                constant: .float((0..<kernel * channels).map { _ in generator.nextNormal() })))
        let bias = graph.addTensor(EdgeTensor(name: "b", shape: [channels], elementType: .float32,
                                              constant: .float((0..<channels).map { _ in generator.nextNormal() })))
        let y = graph.addTensor(EdgeTensor(name: "y", shape: [1, 1, length, channels], elementType: .float32))
        graph.operators = [.depthwiseConvolution(input: x, filter: filter, bias: bias, output: y, stride: 1, padding: .same, activation: .none)]
        graph.inputs = [x]
        graph.outputs = [y]
        let samples = (0..<8).map { _ in [(0..<length * channels).map { _ in generator.nextNormal() }] }
        let quantized = PostTrainingQuantization.quantize(graph, ranges: PostTrainingQuantization.calibrate(graph, samples: samples))
        let inputQ = quantized.tensors[x].quantization!, outputQ = quantized.tensors[y].quantization!
        let weightScales = quantized.tensors[filter].quantization!.scales
        let runtime = IntegerRuntime(graph: quantized)
        for sample in samples {
            let q = PostTrainingQuantization.quantizeInputs(sample, for: quantized)
            let dequantized = q[0].map { inputQ.scale * Float(Int32($0) - inputQ.zeroPoint) }
            let expected = FloatReference(graph: graph).run([dequantized])[0]
            let actual = runtime.run(q)[0].map { outputQ.scale * Float(Int32($0) - outputQ.zeroPoint) }
            for t in 0..<length {
                for c in 0..<channels {
                    var window: Float = 0
                    for tap in 0..<kernel where (0..<length).contains(t - kernel / 2 + tap) {
                        window += abs(dequantized[(t - kernel / 2 + tap) * channels + c])
                    }
                    let bound = 0.5 * outputQ.scale + 0.5 * weightScales[c] * window + 0.5 * inputQ.scale * weightScales[c] + 1e-5
                    #expect(abs(actual[t * channels + c] - expected[t * channels + c]) <= bound, "t \(t) c \(c)")
                }
            }
        }
    }

    /// The int8 student's dequantized logits follow the float graph's: the same top class on most windows.
    @Test func quantizedStudentTracksFloatStudent() {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let floatGraph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: configuration, seed: 11))
        let quantized = EdgeSelfCheck.quantizedStudent(configuration: configuration, seed: 11)
        var generator = RandomGenerator(seed: 99)
        let windows = EdgeSelfCheck.syntheticWindows(configuration: configuration, count: 20, generator: &generator)
        let logitsQ = quantized.tensors[quantized.outputs[0]].quantization!
        let runtime = IntegerRuntime(graph: quantized), reference = FloatReference(graph: floatGraph)
        var worst: Float = 0
        for window in windows {
            let expected = reference.run(window)[0]
            let actual = runtime.run(PostTrainingQuantization.quantizeInputs(window, for: quantized))[0]
                .map { logitsQ.scale * Float(Int32($0) - logitsQ.zeroPoint) }
            worst = max(worst, zip(actual, expected).map { abs($0 - $1) }.max()!)
        }
        // Logit range over 255 steps; a few steps of accumulated rounding through five quantized layers.
        #expect(worst <= 6 * logitsQ.scale, "worst |int8 − float| logit difference \(worst), scale \(logitsQ.scale)")
    }

    /// The fixed-point softmax is within one output step (1/256) of the exact softmax of the int8 logits.
    @Test func softmaxWithinOneStepOfExact() {
        var generator = RandomGenerator(seed: 8)
        let scale: Float = 0.07
        let kernel = IntegerSoftmax(inputScale: scale)
        for _ in 0..<50 {
            let logits = (0..<6).map { _ in Int8(generator.nextInt(below: 256) - 128) }
            var output = [Int8](repeating: 0, count: 6)
            logits.withUnsafeBufferPointer { x in output.withUnsafeMutableBufferPointer { kernel(x, output: $0) } }
            let maximum = Double(logits.max()!)
            let exps = logits.map { Foundation.exp(Double(scale) * (Double($0) - maximum)) }
            let total = exps.reduce(0, +)
            for (value, e) in zip(output, exps) {
                let exact = min(e / total * 256 - 128, 127)
                #expect(abs(Double(value) - exact) <= 1, "logits \(logits)")
            }
        }
    }
}
