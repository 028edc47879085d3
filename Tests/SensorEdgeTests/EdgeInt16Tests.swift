import Foundation
import Testing
@testable import SensorEdge

/// 16x8 quantization (int16 activations with zero point 0, int8 weights, int64 biases) and its integer runtime.
@Suite struct EdgeInt16Tests {
    /// The 16x8 runtime reproduces the outputs TFLite Micro computed for the golden student (committed by
    /// Scripts/edge_goldens.sh), bit for bit.
    @Test func studentMatchesTFLiteMicroGoldens() {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let graph = EdgeSelfCheck.quantizedStudent(configuration: configuration, seed: 11, arithmetic: .int16x8)
        let inputs = EdgeSelfCheck.testInputs16(for: graph, configuration: configuration, count: StudentGolden16x8.sampleCount, seed: 11)
        let runtime = Integer16x8Runtime(graph: graph)
        for (index, sample) in inputs.enumerated() {
            #expect(runtime.run(sample) == StudentGolden16x8.outputs[index], "sample \(index)")
        }
    }

    /// The same for the operator-coverage graph (ADD with the 15-bit shift, SAME padding, ReLU6, RESHAPE, ...).
    @Test func operatorSetMatchesTFLiteMicroGoldens() {
        let graph = OperatorCoverageGraph.quantizedGraph(seed: 13, arithmetic: .int16x8)
        let inputs = OperatorCoverageGraph.testInputs16(for: graph, count: OperatorGolden16x8.sampleCount, seed: 13)
        let runtime = Integer16x8Runtime(graph: graph)
        for (index, sample) in inputs.enumerated() {
            #expect(runtime.run(sample) == OperatorGolden16x8.outputs[index], "sample \(index)")
        }
    }

    @Test func quantizationRules() {
        #expect(Int16Quantization.activationParameters(minimum: -2, maximum: 1) == AffineQuantization(scale: Float(2.0 / 32767), zeroPoint: 0))
        #expect(Int16Quantization.activationParameters(minimum: 0.5, maximum: 3) == AffineQuantization(scale: Float(3.0 / 32767), zeroPoint: 0))
        #expect(Int16Quantization.activationParameters(minimum: 0, maximum: 0).scale == 1)
        #expect(Int16Quantization.quantizeActivation(1.5, scale: 0.001) == 1500)
        #expect(Int16Quantization.quantizeActivation(-40, scale: 0.001) == -32768)
        #expect(Int16Quantization.quantizeBias(1, inputScale: 0.5, weightScale: 0.25) == 8)
        // Beyond int32: −3·10^6 / 2^−22.
        #expect(Int16Quantization.quantizeBias(-3e6, inputScale: 0x1p-10, weightScale: 0x1p-12) == -12_582_912_000_000)
    }

    /// The graph follows the 16x8 rules and has no SOFTMAX.
    @Test func quantizedGraphStructure() {
        let graph = EdgeSelfCheck.quantizedStudent(configuration: EdgeSelfCheck.goldenConfiguration, seed: 2, calibrationCount: 4,
                                                   arithmetic: .int16x8)
        #expect(!graph.operators.contains { $0.name == "SOFTMAX" })
        #expect(graph.outputs.map { graph.tensors[$0].name } == ["logits"])
        for tensor in graph.tensors {
            switch tensor.constant {
            case nil:
                #expect(tensor.elementType == .int16 && tensor.quantization!.zeroPoints == [0], "\(tensor.name)")
            case .int8(let weights)?:
                #expect(weights.allSatisfy { $0 >= -127 } && tensor.quantization!.zeroPoints.allSatisfy { $0 == 0 }, "\(tensor.name)")
            case .int64?:
                #expect(tensor.elementType == .int64, "\(tensor.name)")
            case .int32?:
                #expect(tensor.name.hasSuffix("_shape") || tensor.name == "mean_axes", "\(tensor.name) should be an int64 bias")
            case .float?:
                Issue.record("\(tensor.name) is still float")
            }
        }
    }

    /// TFLite's int64 requantization: the Q31 mantissa rounded to Q15, then a round-half-up shift by 15 − shift.
    @Test func int64Requantization() {
        let half = FixedPoint.quantizeMultiplier(0.5)
        #expect(half == FixedPoint.QuantizedMultiplier(multiplier: 1 << 30, shift: 0))
        // x / 2 rounded half up.
        #expect([1000, 1001, -1001, -1003].map { FixedPoint.multiplyByQuantizedMultiplier(Int64($0), half) } == [500, 501, -500, -501])
        // 3 = 0.75 · 2^2.
        #expect(FixedPoint.multiplyByQuantizedMultiplier(Int64(7), FixedPoint.quantizeMultiplier(3)) == 21)
        #expect(FixedPoint.multiplyByQuantizedMultiplier(Int64(1) << 40, FixedPoint.quantizeMultiplier(1.0 / 1024)) == 1 << 30)
        // A mantissa at or above 0x7FFF0000 saturates to 0x7FFF: 32768 · 32767 / 32768 + 1/2 -> 32767.
        #expect(FixedPoint.multiplyByQuantizedMultiplier(Int64(32768), FixedPoint.quantizeMultiplier(0.99999)) == 32767)
    }

    /// The 16x8 default student doubles the activation bytes of the int8 plan and fits the larger M7 profile.
    @Test func studentBudgetOnTheM7Profile() throws {
        let devices = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Experiments/devices")
        let profile = try DeviceProfile.load(devices.appendingPathComponent("m7-large.yaml"))
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: StudentConfiguration(), seed: 3))
        let report = BudgetReport(graph: graph, profile: profile)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.arenaBytes == ArenaPlan(graph: graph, activationBytes: 2).bytes)
        #expect(report.deployedWeightBytes == report.weightBytes(.int8) + 4 * report.layers.reduce(0) { $0 + $1.biases })
    }
}
