import Testing
import SensorNN
import SensorTensor
@testable import SensorEdge

@Suite struct EdgeStudentTests {
    static let configuration = EdgeSelfCheck.goldenConfiguration

    /// [N, C, L] per modality -> the graph's flat [L, C] inputs of sample `n`.
    static func channelsLast(_ inputs: [Tensor], sample n: Int) -> [[Float]] {
        inputs.map { input in
            let channels = input.shape[1], length = input.shape[2], values = input.scalars
            var result = [Float](repeating: 0, count: channels * length)
            for c in 0..<channels { for t in 0..<length { result[t * channels + c] = values[(n * channels + c) * length + t] } }
            return result
        }
    }

    static func randomInputs(_ samples: Int, generator: inout RandomGenerator) -> [Tensor] {
        configuration.modalities.map { Tensor.normal([samples, $0.channels, $0.length], generator: &generator) }
    }

    @Test func forwardShapeAndGradients() {
        var generator = RandomGenerator(seed: 1)
        let student = StudentModel(configuration: Self.configuration, generator: &generator)
        let inputs = Self.randomInputs(4, generator: &generator)
        let logits = student(inputs)
        #expect(logits.shape == [4, Self.configuration.classCount])
        let loss = logits.squared().mean()
        loss.backward()
        for (name, parameter) in student.namedParameters() {
            #expect(parameter.grad != nil, "\(name) has no gradient")
        }
        #expect(student.stems[0].units.count == 1 + 2 * Self.configuration.depth)
    }

    /// The lowered float graph (folded batch norm, channels-last, TFLite operators) computes the student's logits.
    @Test func loweredGraphMatchesStudent() {
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 4)
        var generator = RandomGenerator(seed: 6)
        let inputs = Self.randomInputs(3, generator: &generator)
        let expected = withNoGrad { student(inputs) }.scalars
        let reference = FloatReference(graph: StudentLowering.floatGraph(student))
        for n in 0..<3 {
            let outputs = reference.run(Self.channelsLast(inputs, sample: n))
            let classes = Self.configuration.classCount
            for k in 0..<classes { #expect(abs(outputs[0][k] - expected[n * classes + k]) < 1e-4, "sample \(n) class \(k)") }
            #expect(abs(outputs[1].reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func loweredGraphStructure() {
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: StudentConfiguration(), seed: 2))
        #expect(graph.inputs.map { graph.tensors[$0].shape } == [[1, 1920, 1], [1, 960, 3], [1, 120, 1]])
        #expect(graph.outputs.map { graph.tensors[$0].name } == ["logits", "probabilities"])
        let names = graph.operators.map(\.name)
        #expect(names.filter { $0 == "DEPTHWISE_CONV_2D" }.count == 3 * 2)
        #expect(names.filter { $0 == "CONV_2D" }.count == 3 * 3)
        #expect(names.suffix(4) == ["CONCATENATION", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"])
        let quantized = EdgeSelfCheck.quantizedStudent(configuration: Self.configuration, seed: 2, calibrationCount: 4)
        #expect(quantized.isQuantized)
        // Concatenated features share one scale with the pooled tensors feeding them.
        guard case .concatenation(let pooled, let features, _) = quantized.operators.first(where: { $0.name == "CONCATENATION" })! else {
            Issue.record("no concatenation"); return
        }
        for index in pooled { #expect(quantized.tensors[index].quantization == quantized.tensors[features].quantization) }
    }
}
