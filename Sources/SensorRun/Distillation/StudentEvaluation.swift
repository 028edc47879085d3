import SensorData
import SensorEdge
import SensorTensor

/// Test-set scoring of a student as a float model and as the int8 graph run by the Swift integer runtime:
/// accuracy for a classification student, mean absolute error in the task's unit for a regression student.
enum StudentEvaluation {
    /// Fraction of equal entries.
    static func accuracy(_ predicted: [Int], _ truth: [Int]) -> Double {
        precondition(predicted.count == truth.count, "StudentEvaluation: \(predicted.count) predictions for \(truth.count) labels")
        guard !truth.isEmpty else { return 0 }
        return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
    }

    /// Up to `limit` indices evenly spread over `indices` (all when there are fewer).
    static func evenlySpaced(_ indices: [Int], limit: Int) -> [Int] {
        guard indices.count > limit else { return indices }
        return (0..<limit).map { indices[$0 * indices.count / limit] }
    }

    /// One window's raw samples per modality, flat channels-last (as the windows store them).
    static func rawSample(windows: WindowSet, window: Int, modalities: [StudentModality]) -> [[Float]] {
        modalities.map { modality in
            let width = modality.length * modality.channels
            return Array(windows.values[modality.name]![(window * width)..<((window + 1) * width)])
        }
    }

    /// One window normalised per channel (NaN as the channel mean, 0), flat channels-last: a float-graph input.
    static func normalizedSample(windows: WindowSet, window: Int, modalities: [StudentModality],
                                 normalization: InputNormalization) -> [[Float]] {
        rawSample(windows: windows, window: window, modalities: modalities).enumerated().map { input, values in
            let means = normalization.means[input], deviations = normalization.deviations[input]
            return values.enumerated().map { index, x in x.isNaN ? 0 : (x - means[index % means.count]) / deviations[index % means.count] }
        }
    }

    /// Arg-max classes of the float student (eval mode, no grad), in batches.
    static func floatClasses(_ student: StudentModel, normalization: StudentInputNormalization, windows: WindowSet,
                             indices: [Int]) throws -> [Int] {
        student.eval()
        var classes: [Int] = []
        for start in stride(from: 0, to: indices.count, by: 256) {
            let chunk = Array(indices[start..<min(indices.count, start + 256)])
            let inputs = try normalization.inputs(windows: windows, indices: chunk, modalities: student.configuration.modalities)
            let logits = withNoGrad { student(inputs) }.scalars, count = student.configuration.classCount
            classes += chunk.indices.map { row in argmax(logits[(row * count)..<((row + 1) * count)]) }
        }
        return classes
    }

    /// Arg-max classes of the int8 graph: each raw window normalised and quantized as on the device, then run by
    /// the integer reference runtime.
    static func integerClasses(_ graph: EdgeGraph, normalization: InputNormalization, windows: WindowSet, indices: [Int],
                               modalities: [StudentModality]) -> [Int] {
        let runtime = IntegerRuntime(graph: graph)
        return indices.map { window in
            let inputs = normalization.quantize(rawSample(windows: windows, window: window, modalities: modalities), for: graph)
            return argmax(runtime.run(inputs)[0][...])
        }
    }

    /// Mean absolute difference.
    static func meanAbsoluteError(_ predicted: [Float], _ truth: [Float]) -> Double {
        precondition(predicted.count == truth.count, "StudentEvaluation: \(predicted.count) predictions for \(truth.count) values")
        guard !truth.isEmpty else { return 0 }
        return zip(predicted, truth).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(truth.count)
    }

    /// A regression student's first output in the task's unit (output · scale + mean), float (eval mode, no grad).
    static func floatValues(_ student: StudentModel, normalization: StudentInputNormalization, windows: WindowSet,
                            indices: [Int], mean: Float, scale: Float) throws -> [Float] {
        student.eval()
        var values: [Float] = []
        for start in stride(from: 0, to: indices.count, by: 256) {
            let chunk = Array(indices[start..<min(indices.count, start + 256)])
            let inputs = try normalization.inputs(windows: windows, indices: chunk, modalities: student.configuration.modalities)
            let outputs = withNoGrad { student(inputs) }.scalars, count = student.configuration.classCount
            values += chunk.indices.map { row in outputs[row * count] * scale + mean }
        }
        return values
    }

    /// The int8 regression graph's first output in the task's unit: each raw window normalised and quantized as
    /// on the device, run by the integer reference runtime, the int8 output dequantized, then · scale + mean.
    static func integerValues(_ graph: EdgeGraph, normalization: InputNormalization, windows: WindowSet, indices: [Int],
                              modalities: [StudentModality], mean: Float, scale: Float) -> [Float] {
        let runtime = IntegerRuntime(graph: graph)
        let output = graph.tensors[graph.outputs[0]].quantization!
        return indices.map { window in
            let inputs = normalization.quantize(rawSample(windows: windows, window: window, modalities: modalities), for: graph)
            let q = runtime.run(inputs)[0][0]
            return output.scale * Float(Int32(q) - output.zeroPoint) * scale + mean
        }
    }

    /// The first index of the largest value.
    static func argmax<Values: Collection>(_ values: Values) -> Int where Values.Element: Comparable, Values.Index == Int {
        var best = values.startIndex
        for index in values.indices where values[index] > values[best] { best = index }
        return best - values.startIndex
    }
}
