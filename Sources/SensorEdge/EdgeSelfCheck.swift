import Foundation
import SensorTensor

/// A self-contained export check that needs no trained run: a student with seeded random weights (and random
/// batch-norm statistics, so folding matters), calibrated on synthetic wrist-like windows, quantized, and
/// written as a verification bundle for `Scripts/check_tflite.py`.
public enum EdgeSelfCheck {
    /// The small student whose TFLite Micro outputs are committed as goldens (short windows keep debug tests fast).
    public static let goldenConfiguration = StudentConfiguration(
        modalities: [StudentModality(name: "ppg", channels: 1, length: 64), StudentModality(name: "acc", channels: 3, length: 32),
                     StudentModality(name: "temp", channels: 1, length: 16)],
        width: 8, depth: 1, kernelSize: 3, stride: 2, hiddenDimensions: 12, classCount: 5)

    /// A student with seeded random weights and batch-norm parameters and statistics.
    public static func randomStudent(configuration: StudentConfiguration, seed: UInt64) -> StudentModel {
        var generator = RandomGenerator(seed: seed)
        let student = StudentModel(configuration: configuration, generator: &generator)
        for stem in student.stems {
            for unit in stem.units {
                let norm = unit.normalization, features = norm.weight.count
                norm.weight.assign(Tensor.uniform([features], low: 0.5, high: 1.5, generator: &generator))
                norm.bias.assign(Tensor.uniform([features], low: -0.2, high: 0.2, generator: &generator))
                norm.runningMean.assign(Tensor.uniform([features], low: -0.2, high: 0.2, generator: &generator))
                norm.runningVariance.assign(Tensor.uniform([features], low: 0.5, high: 2, generator: &generator))
            }
        }
        student.eval()
        return student
    }

    /// Synthetic windows in the graph's input layout (per modality a flat [length, channels] array):
    /// a sinusoid with its second harmonic plus noise on every channel (gravity added to a third axis),
    /// amplitude, offset, frequency and phase vary per window.
    public static func syntheticWindows(configuration: StudentConfiguration, count: Int, generator: inout RandomGenerator) -> [[[Float]]] {
        (0..<count).map { _ in
            configuration.modalities.map { modality in
                let frequency = 0.02 + 0.08 * generator.nextUniform()
                let amplitude = 0.1 + 2 * generator.nextUniform()
                let offset = 2 * generator.nextUniform() - 1
                let phase = 6.283 * generator.nextUniform()
                var values = [Float](repeating: 0, count: modality.length * modality.channels)
                for t in 0..<modality.length {
                    for c in 0..<modality.channels {
                        let angle = Float(t) * frequency * 6.283 + phase + Float(c)
                        let noise = 0.1 * generator.nextNormal()
                        values[t * modality.channels + c] = amplitude * (sin(angle) + 0.3 * sin(2 * angle)) + noise + offset
                            + (modality.channels > 1 && c == 2 ? 1 : 0)
                    }
                }
                return values
            }
        }
    }

    /// The quantized graph of a seeded random student, calibrated on `calibrationCount` synthetic windows.
    /// In 16x8 the graph ends at the logits (see `EdgeGraph.droppingSoftmax`).
    public static func quantizedStudent(configuration: StudentConfiguration, seed: UInt64, calibrationCount: Int = 32,
                                        arithmetic: EdgeArithmetic = .int8) -> EdgeGraph {
        var floatGraph = StudentLowering.floatGraph(randomStudent(configuration: configuration, seed: seed))
        if arithmetic == .int16x8 { floatGraph = floatGraph.droppingSoftmax() }
        var generator = RandomGenerator(seed: seed &+ 1)
        let calibration = syntheticWindows(configuration: configuration, count: calibrationCount, generator: &generator)
        return PostTrainingQuantization.quantize(floatGraph, ranges: PostTrainingQuantization.calibrate(floatGraph, samples: calibration),
                                                 arithmetic: arithmetic)
    }

    /// Int8 test inputs: fresh synthetic windows (a different stream from calibration) quantized with the
    /// graph's input parameters, plus every tenth sample replaced by uniform random int8 to reach saturation.
    public static func testInputs(for graph: EdgeGraph, configuration: StudentConfiguration, count: Int, seed: UInt64) -> [[[Int8]]] {
        testInputs(configuration: configuration, count: count, seed: seed) { PostTrainingQuantization.quantizeInputs($0, for: graph) }
    }

    /// Int16 test inputs of a 16x8 graph: as `testInputs`, every tenth sample uniform over the whole int16 range.
    public static func testInputs16(for graph: EdgeGraph, configuration: StudentConfiguration, count: Int, seed: UInt64) -> [[[Int16]]] {
        testInputs(configuration: configuration, count: count, seed: seed) { PostTrainingQuantization.quantizeInputs16($0, for: graph) }
    }

    /// The sample stream both widths share, so the int8 and 16x8 checks see the same windows: `quantize` of each
    /// synthetic window, every tenth replaced by values uniform over `Value`'s whole range.
    private static func testInputs<Value: FixedWidthInteger & SignedInteger>(configuration: StudentConfiguration, count: Int, seed: UInt64,
                                                                            quantize: ([[Float]]) -> [[Value]]) -> [[[Value]]] {
        var generator = RandomGenerator(seed: seed &+ 2)
        let windows = syntheticWindows(configuration: configuration, count: count, generator: &generator)
        let span = 1 << Value.bitWidth, minimum = Int(Value.min)
        return windows.enumerated().map { index, window in
            if index % 10 == 9 {
                return window.map { values in values.map { _ in Value(generator.nextInt(below: span) + minimum) } }
            }
            return quantize(window)
        }
    }

    /// Builds, quantizes (int8 or 16x8) and writes the self-check bundle into `directory`.
    public static func writeBundle(to directory: URL, configuration: StudentConfiguration = StudentConfiguration(),
                                   seed: UInt64 = 7, sampleCount: Int = 200, arithmetic: EdgeArithmetic = .int8) throws {
        let graph = quantizedStudent(configuration: configuration, seed: seed, arithmetic: arithmetic)
        if arithmetic == .int16x8 {
            let inputs = testInputs16(for: graph, configuration: configuration, count: sampleCount, seed: seed)
            try EdgeExport.writeVerificationBundle(model: graph, inputs: inputs, to: directory)
        } else {
            let inputs = testInputs(for: graph, configuration: configuration, count: sampleCount, seed: seed)
            try EdgeExport.writeVerificationBundle(model: graph, inputs: inputs, to: directory)
        }
    }
}
