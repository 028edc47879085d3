/// Per-channel normalisation of each raw sensor input, z = (x − mean) / deviation, followed by the int8
/// input quantization: the step that turns a window of raw samples into the model's int8 inputs on the device.
/// The C export performs exactly these float32 operations, so both give the same bytes.
public struct InputNormalization: Sendable, Equatable {
    /// Per graph input, one mean per channel (the input's last dimension).
    public var means: [[Float]]
    /// Per graph input, one standard deviation per channel (positive).
    public var deviations: [[Float]]

    public init(means: [[Float]], deviations: [[Float]]) {
        precondition(means.count == deviations.count && zip(means, deviations).allSatisfy { $0.count == $1.count },
                     "InputNormalization: \(means.count) mean and \(deviations.count) deviation lists must match per input")
        precondition(deviations.joined().allSatisfy { $0 > 0 && $0.isFinite }, "InputNormalization: deviations must be positive and finite")
        self.means = means
        self.deviations = deviations
    }

    static func channels(of graph: EdgeGraph) -> [Int] { graph.inputs.map { graph.tensors[$0].shape.last! } }

    /// Mean 0, deviation 1 on every channel (inputs already normalised).
    public static func identity(for graph: EdgeGraph) -> InputNormalization {
        let channels = channels(of: graph)
        return InputNormalization(means: channels.map { [Float](repeating: 0, count: $0) },
                                  deviations: channels.map { [Float](repeating: 1, count: $0) })
    }

    /// Channel means and standard deviations over raw windows (each: per graph input a flat channels-last
    /// array), accumulated in double; a constant channel gets deviation 1.
    public static func fitted(to windows: [[[Float]]], graph: EdgeGraph) -> InputNormalization {
        precondition(!windows.isEmpty, "InputNormalization.fitted: needs at least one window")
        let channels = channels(of: graph)
        var means: [[Float]] = [], deviations: [[Float]] = []
        for (input, count) in channels.enumerated() {
            var sum = [Double](repeating: 0, count: count), squares = sum, samples = 0
            for window in windows {
                for (index, value) in window[input].enumerated() {
                    sum[index % count] += Double(value)
                    squares[index % count] += Double(value) * Double(value)
                }
                samples += window[input].count / count
            }
            let mean = sum.map { $0 / Double(samples) }
            means.append(mean.map { Float($0) })
            deviations.append(zip(squares, mean).map { square, mean in
                let variance = max(square / Double(samples) - mean * mean, 0)
                return variance > 0 ? Float(variance.squareRoot()) : 1
            })
        }
        return InputNormalization(means: means, deviations: deviations)
    }

    /// The int8 inputs of raw windows: ((x − mean) / deviation) / scale, clamped to ±1000 (NaN to −1000) so the
    /// rounding stays exact, rounded half away from zero, offset by the zero point and clamped to int8.
    public func quantize(_ raw: [[Float]], for graph: EdgeGraph) -> [[Int8]] {
        precondition(raw.count == graph.inputs.count, "InputNormalization: \(raw.count) inputs for \(graph.inputs.count)")
        return graph.inputs.enumerated().map { input, tensor in
            let q = graph.tensors[tensor].quantization!, count = means[input].count
            precondition(raw[input].count == graph.tensors[tensor].count,
                         "InputNormalization: input \(graph.tensors[tensor].name) has \(raw[input].count) values, shape \(graph.tensors[tensor].shape)")
            return raw[input].enumerated().map { index, x in
                var r = ((x - means[input][index % count]) / deviations[input][index % count]) / q.scale
                if !(r > -1000) { r = -1000 }
                if r > 1000 { r = 1000 }
                let value = Int32(r.rounded(.toNearestOrAwayFromZero)) + q.zeroPoint
                return Int8(min(max(value, Int8Quantization.activationMinimum), Int8Quantization.activationMaximum))
            }
        }
    }
}
