import Foundation
import Testing
import SensorData
import SensorNN
import SensorTensor
@testable import SensorEdge

/// The stages `sensorfm distill` adds after float distillation: quantization-aware fine-tuning (frozen folded batch
/// norm, export of exactly the learned ranges) and regression students (MSE terms, a graph ending at its values).
@Suite struct QuantizationAwareDistillationTests {
    static let configuration = EdgeSelfCheck.goldenConfiguration

    static func inputs(count: Int, seed: UInt64) -> [Tensor] {
        var generator = RandomGenerator(seed: seed)
        return configuration.modalities.map { Tensor.normal([count, $0.channels, $0.length], generator: &generator) }
    }

    @Test func regressionLossMatchesHandComputedTerms() {
        var regression = Self.configuration
        regression.output = .values
        regression.classCount = 1
        let student = EdgeSelfCheck.randomStudent(configuration: regression, seed: 4)
        let inputs = Self.inputs(count: 4, seed: 5)
        let teacher: [Float] = [0.5, -1, 2, 0.25], truth: [Float] = [0.3, .nan, 1.5, -0.5]
        let settings = DistillationConfiguration(logitWeight: 0.3)
        let loss = withNoGrad {
            Distiller.loss(student: student, projection: nil, inputs: inputs,
                           targets: DistillationTargets(teacherValues: Tensor(shape: [4, 1], scalars: teacher), embeddings: nil, values: truth),
                           configuration: settings).item
        }
        let outputs: [Double] = withNoGrad { student(inputs) }.scalars.map { Double($0) }
        var toTeacher = 0.0, toTruth = 0.0, labelled = 0.0
        for n in 0..<4 {
            let difference = outputs[n] - Double(teacher[n])
            toTeacher += difference * difference / 4
            if !truth[n].isNaN {
                let error = outputs[n] - Double(truth[n])
                toTruth += error * error
                labelled += 1
            }
        }
        let expected: Double = 0.3 * toTeacher + 0.7 * toTruth / labelled
        #expect(abs(Double(loss) - expected) < 1e-5 * max(1, expected), "loss \(loss) vs hand-computed \(expected)")
    }

    /// QAT from a random student on windows whose class is the PPG tone's band: the fake-quantized loss falls, batch norm stays folded with its frozen running
    /// statistics, and the int8 graph of the learned weights and observed ranges computes the fake-quantized
    /// forward pass (same grid everywhere; only float-vs-integer rounding order differs).
    @Test func fineTuningLearnsAndExportsWhatItLearned() throws {
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 7)
        let (windows, labels) = DistillationTests.windows(count: 24, seed: 8)
        let normalization = try StudentInputNormalization.fit(windows: windows, indices: Array(0..<24), modalities: Self.configuration.modalities)
        let inputs = try normalization.inputs(windows: windows, indices: Array(0..<24), modalities: Self.configuration.modalities)
        let teacher = Tensor(shape: [24, Self.configuration.classCount],
                             scalars: labels.flatMap { label in (0..<Self.configuration.classCount).map { $0 == label ? 3 : 0 } })
        let statistics = student.stems.flatMap { $0.units.map { [$0.normalization.runningMean.scalars, $0.normalization.runningVariance.scalars] } }
        let qat = QuantizationAwareStudent(student: student, momentum: 0.1)
        let losses = try Distiller.fineTuneQuantizationAware(
            qat, inputs: inputs, targets: DistillationTargets(logits: teacher, embeddings: nil, labels: labels),
            configuration: DistillationConfiguration(epochs: 30, batchSize: 6, learningRate: 2e-2))
        #expect(losses.last! < 0.85 * losses.first!, "QAT losses \(losses)")
        #expect(!student.isTraining)
        #expect(statistics == student.stems.flatMap { $0.units.map { [$0.normalization.runningMean.scalars, $0.normalization.runningVariance.scalars] } })

        let logits = withNoGrad { qat(inputs) }.scalars
        let graph = qat.quantizedGraph()
        let runtime = IntegerRuntime(graph: graph)
        let q = graph.tensors[graph.outputs[0]].quantization!
        let classes = Self.configuration.classCount
        for n in 0..<24 {
            let actual = runtime.run(PostTrainingQuantization.quantizeInputs(EdgeStudentTests.channelsLast(inputs, sample: n), for: graph))[0]
            for k in 0..<classes {
                let value = q.scale * Float(Int32(actual[k]) - q.zeroPoint)
                #expect(abs(value - logits[n * classes + k]) <= 4 * q.scale, "sample \(n) class \(k): int8 \(value) vs fake-quant \(logits[n * classes + k])")
            }
        }
    }

    /// A regression student lowers to a graph that ends at its one value (no SOFTMAX), which the integer runtime,
    /// the .tflite writer and the C export take like the classifier.
    @Test func regressionStudentEndsAtItsValue() {
        var regression = Self.configuration
        regression.output = .values
        regression.classCount = 1
        let student = EdgeSelfCheck.randomStudent(configuration: regression, seed: 9)
        let floatGraph = StudentLowering.floatGraph(student)
        #expect(floatGraph.outputs.map { floatGraph.tensors[$0].name } == ["values"])
        #expect(!floatGraph.operators.contains { if case .softmax = $0 { true } else { false } })
        var generator = RandomGenerator(seed: 10)
        let samples = EdgeSelfCheck.syntheticWindows(configuration: regression, count: 16, generator: &generator)
        let graph = PostTrainingQuantization.quantize(floatGraph, ranges: PostTrainingQuantization.calibrate(floatGraph, samples: samples))
        let reference = FloatReference(graph: floatGraph), runtime = IntegerRuntime(graph: graph)
        let q = graph.tensors[graph.outputs[0]].quantization!
        let range = samples.map { reference.run($0)[0][0] }
        let spread = (range.max()! - range.min()!)
        for sample in samples {
            let expected = reference.run(sample)[0][0]
            let actual = q.scale * Float(Int32(runtime.run(PostTrainingQuantization.quantizeInputs(sample, for: graph))[0][0]) - q.zeroPoint)
            #expect(abs(actual - expected) <= 0.05 * spread + 2 * q.scale, "int8 \(actual) vs float \(expected)")
        }
        #expect(!TFLiteWriter.serialize(graph).isEmpty)
        #expect(CExport.sources(graph: graph, normalization: .identity(for: graph)).contains { $0.name == "sensorfm_model.c" })
    }
}
