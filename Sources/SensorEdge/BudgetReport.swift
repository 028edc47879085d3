import Foundation

/// What a student graph costs on a device: parameters, weight bytes per precision, the planned activation
/// arena, multiply-accumulates per inference and the latency they take at the profile's clock, with a
/// per-layer breakdown so a check that fails can name the layer to blame.
///
/// Works on the float graph (before training or quantization) as well as on the quantized one: every number
/// follows from shapes alone. Weight bytes count filters and biases (int8 weights with int32 biases, or with
/// int64 biases in 16x8); the reshape-shape and mean-axes parameters (a few bytes) are not counted.
public struct BudgetReport: Sendable {
    /// One operator's share.
    public struct Layer: Sendable, Equatable {
        /// The operator's output tensor name (the layer's name in errors).
        public var name: String
        public var operatorName: String
        public var weights: Int
        public var biases: Int
        public var multiplyAccumulates: Int
        /// Bytes of the activation buffers live while this operator runs.
        public var liveActivationBytes: Int

        public var parameters: Int { weights + biases }
        public func weightBytes(_ arithmetic: EdgeArithmetic) -> Int { weights + biases * arithmetic.biasBytes }
    }

    public let profile: DeviceProfile
    public let layers: [Layer]
    /// The greedy arena plan at the profile's activation width (the activation part of TFLite Micro's arena:
    /// on the default student it equals the head TFLite Micro requests).
    public let arenaBytes: Int

    /// TFLite Micro's bookkeeping for this graph by the profile's `RuntimeOverhead` model.
    public let runtimeOverheadBytes: Int

    /// The whole TFLite Micro arena estimate: planned activations plus the modelled runtime overhead.
    public var estimatedRuntimeArenaBytes: Int { arenaBytes + runtimeOverheadBytes }

    public init(graph: EdgeGraph, profile: DeviceProfile) {
        self.profile = profile
        let plan = ArenaPlan(graph: graph, activationBytes: profile.arithmetic.activationBytes)
        arenaBytes = plan.bytes
        runtimeOverheadBytes = profile.runtimeOverhead.bytes(for: graph)
        let live = plan.liveBytes(steps: graph.operators.count)
        layers = graph.operators.enumerated().map { step, op in
            let tensors = graph.tensors
            var weights = 0, biases = 0, macs = 0
            switch op {
            case .convolution(_, let filter, let bias, let output, _, _, _):
                weights = tensors[filter].count
                biases = tensors[bias].count
                let filterShape = tensors[filter].shape
                macs = tensors[output].count * filterShape[2] * filterShape[3]
            case .depthwiseConvolution(_, let filter, let bias, let output, _, _, _):
                weights = tensors[filter].count
                biases = tensors[bias].count
                macs = tensors[output].count * tensors[filter].shape[2]
            case .fullyConnected(_, let matrix, let bias, _, _):
                weights = tensors[matrix].count
                biases = tensors[bias].count
                macs = weights
            default:
                break
            }
            return Layer(name: tensors[op.outputTensor].name, operatorName: op.name, weights: weights, biases: biases,
                         multiplyAccumulates: macs, liveActivationBytes: live[step])
        }
    }

    public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    public var multiplyAccumulates: Int { layers.reduce(0) { $0 + $1.multiplyAccumulates } }
    public func weightBytes(_ arithmetic: EdgeArithmetic) -> Int { layers.reduce(0) { $0 + $1.weightBytes(arithmetic) } }
    public var float32WeightBytes: Int { 4 * parameters }
    /// The weight bytes at the profile's arithmetic.
    public var deployedWeightBytes: Int { weightBytes(profile.arithmetic) }

    /// MACs × cycles per MAC at the profile's clock, in milliseconds.
    public var latencyMilliseconds: Double {
        Double(multiplyAccumulates) * profile.cyclesPerMultiplyAccumulate / (profile.clockMegahertz * 1e3)
    }

    /// One limit the graph exceeds, with the layer that is most to blame.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public enum Limit: String, Sendable { case weights, arena, latency }
        public var limit: Limit
        public var layer: String
        public var message: String
        public var description: String { message }
    }

    /// Every limit of the profile the graph exceeds (empty when it fits).
    public var violations: [Violation] {
        var result: [Violation] = []
        let name = profile.name
        if deployedWeightBytes > profile.weightFlashBytes, let largest = layers.max(by: { $0.weightBytes(profile.arithmetic) < $1.weightBytes(profile.arithmetic) }) {
            result.append(Violation(limit: .weights, layer: largest.name, message:
                "weights need \(deployedWeightBytes) B \(profile.arithmetic.rawValue), device \(name) has \(profile.weightFlashBytes) B; largest layer \(largest.name) (\(largest.operatorName), \(largest.weightBytes(profile.arithmetic)) B)"))
        }
        let activationLimit = profile.arenaBytes - runtimeOverheadBytes
        if arenaBytes > activationLimit, let peak = layers.first(where: { $0.liveActivationBytes > activationLimit })
            ?? layers.max(by: { $0.liveActivationBytes < $1.liveActivationBytes }) {
            result.append(Violation(limit: .arena, layer: peak.name, message:
                "arena needs \(estimatedRuntimeArenaBytes) B (\(arenaBytes) B planned activations + \(runtimeOverheadBytes) B modelled TFLite Micro overhead), device \(name) has \(profile.arenaBytes) B; layer \(peak.name) (\(peak.operatorName)) holds \(peak.liveActivationBytes) B of live activations"))
        }
        let period = 1000 / profile.inferenceRateHertz
        if latencyMilliseconds > period, let heaviest = layers.max(by: { $0.multiplyAccumulates < $1.multiplyAccumulates }) {
            result.append(Violation(limit: .latency, layer: heaviest.name, message: String(format:
                "estimated latency %.1f ms exceeds the %.1f ms between inferences on %@; heaviest layer %@ (%@, %d MACs)",
                latencyMilliseconds, period, name, heaviest.name, heaviest.operatorName, heaviest.multiplyAccumulates)))
        }
        return result
    }

    /// Throws `EdgeBudgetError` naming the offending layer when the graph does not fit the profile.
    public func requireFit() throws {
        let violations = self.violations
        if !violations.isEmpty { throw EdgeBudgetError(device: profile.name, violations: violations) }
    }

    /// A plain-text report: totals, then one line per layer.
    public var text: String {
        var lines = [
            "device \(profile.name) (\(profile.processor), \(String(format: "%g", profile.clockMegahertz)) MHz, \(profile.arithmetic.rawValue))",
            "parameters \(parameters)",
            "weight bytes: float32 \(float32WeightBytes), int8 \(weightBytes(.int8)), 16x8 \(weightBytes(.int16x8)) (limit \(profile.weightFlashBytes))",
            "activation arena (planned, \(profile.arithmetic.activationBytes) B per value) \(arenaBytes), with \(runtimeOverheadBytes) B modelled runtime overhead \(estimatedRuntimeArenaBytes) (limit \(profile.arenaBytes))",
            "MACs per inference \(multiplyAccumulates)",
            String(format: "estimated latency %.2f ms at %g MHz assuming %g cycles per MAC", latencyMilliseconds, profile.clockMegahertz,
                   profile.cyclesPerMultiplyAccumulate),
            "layer\toperator\tparameters\tMACs\tlive activation bytes",
        ]
        lines += layers.map { "\($0.name)\t\($0.operatorName)\t\($0.parameters)\t\($0.multiplyAccumulates)\t\($0.liveActivationBytes)" }
        let violations = self.violations
        lines.append(violations.isEmpty ? "fits \(profile.name)" : violations.map { "does not fit: \($0)" }.joined(separator: "\n"))
        return lines.joined(separator: "\n")
    }
}

/// A student that does not fit its device profile.
public struct EdgeBudgetError: Error, Equatable, CustomStringConvertible {
    public var device: String
    public var violations: [BudgetReport.Violation]
    public var description: String {
        "the student does not fit device \(device): " + violations.map(\.message).joined(separator: "; ")
    }
}
