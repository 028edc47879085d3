import Testing
import SensorTensor
@testable import SensorEdge

@Suite struct EdgeFakeQuantizationTests {
    @Test func activationsRoundAndClampWithStraightThroughGradient() {
        let parameters = AffineQuantization(scale: 0.1, zeroPoint: -28)  // representable [10·(−100)… , 15.5]: [−10, 15.5]
        let input = Tensor(shape: [5], scalars: [0.26, -0.04, 20, -11, 3.14], requiresGrad: true)
        let output = FakeQuantization.activations(input, parameters: parameters)
        let expected: [Float] = [0.3, 0, 15.5, -10, 3.1]
        for (actual, wanted) in zip(output.scalars, expected) { #expect(abs(actual - wanted) < 1e-5) }
        output.sum().backward()
        #expect(input.grad!.scalars == [1, 1, 0, 0, 1])
    }

    @Test func weightsSnapToPerChannelGrid() {
        let weight = Tensor(shape: [2, 2], scalars: [1, -2, 0.5, 0.2], requiresGrad: true)
        let output = FakeQuantization.weights(weight)
        let expected: [Float] = [64 * 2 / 127, -2, 0.5, 51 * 0.5 / 127]
        for (actual, wanted) in zip(output.scalars, expected) { #expect(abs(actual - wanted) < 1e-6) }
        (output * Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])).sum().backward()
        #expect(weight.grad!.scalars == [1, 2, 3, 4])
    }

    @Test func observerAveragesRanges() {
        var observer = RangeObserver(momentum: 0.5)
        #expect(observer.parameters == AffineQuantization(scale: 1, zeroPoint: 0))
        observer.observe(Tensor(shape: [2], scalars: [-1, 3]))
        observer.observe(Tensor(shape: [2], scalars: [-3, 1]))
        #expect(observer.range == PostTrainingQuantization.Range(minimum: -2, maximum: 2))
    }
}

@Suite struct EdgeQuantizationAwareTrainingTests {
    /// QAT reaches every trainable tensor (conv weights through the folded, fake-quantized weights; batch-norm
    /// scale and shift; dense layers), and its evaluation-mode logits track the exported int8 runtime's.
    @Test func gradientsReachEveryParameterAndExportTracksTheForward() {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let student = EdgeSelfCheck.randomStudent(configuration: configuration, seed: 11)
        student.train()
        let qat = QuantizationAwareStudent(student: student, momentum: 0.5)
        var generator = RandomGenerator(seed: 21)
        let inputs = configuration.modalities.map { Tensor.normal([4, $0.channels, $0.length], generator: &generator) }
        let loss = qat(inputs).squared().mean()
        loss.backward()
        for (name, parameter) in student.namedParameters() {
            #expect(parameter.grad != nil, "\(name) has no gradient")
        }
        student.eval()
        let logits = withNoGrad { qat(inputs) }
        let graph = qat.quantizedGraph()
        let runtime = IntegerRuntime(graph: graph)
        let logitsQ = graph.tensors[graph.outputs[0]].quantization!
        let classes = configuration.classCount
        for n in 0..<4 {
            let sample = EdgeStudentTests.channelsLast(inputs, sample: n)
            let actual = runtime.run(PostTrainingQuantization.quantizeInputs(sample, for: graph))[0]
                .map { logitsQ.scale * Float(Int32($0) - logitsQ.zeroPoint) }
            for k in 0..<classes {
                // Same grid for every tensor; differences come only from float-vs-integer rounding order.
                #expect(abs(actual[k] - logits.scalars[n * classes + k]) <= 4 * logitsQ.scale, "sample \(n) class \(k)")
            }
        }
    }

    /// Observers started at the post-training calibration give exactly the post-training int8 graph before any
    /// fine-tuning (the warm start of `range_init: calibration`).
    @Test func calibratedStartIsThePostTrainingGraph() {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let student = EdgeSelfCheck.randomStudent(configuration: configuration, seed: 12)
        let floatGraph = StudentLowering.floatGraph(student)
        var generator = RandomGenerator(seed: 3)
        let calibrated = PostTrainingQuantization.calibrate(
            floatGraph, samples: EdgeSelfCheck.syntheticWindows(configuration: configuration, count: 8, generator: &generator))
        let qat = QuantizationAwareStudent(student: student, momentum: 0.5, calibration: calibrated)
        let postTraining = PostTrainingQuantization.quantize(floatGraph, ranges: calibrated)
        #expect(TFLiteWriter.serialize(qat.quantizedGraph()) == TFLiteWriter.serialize(postTraining))
    }
}
