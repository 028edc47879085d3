/// What a deployed student expects and costs, written as `model_card.json` beside the exported artefact:
/// each input with its rate, normalisation and quantization, each output, the quantization parameters of every
/// activation, the budget report on the target device and, when measured, accuracy against the teacher and the
/// pruning rounds.
public struct ModelCard: Codable, Equatable, Sendable {
    public struct Quantization: Codable, Equatable, Sendable {
        public var scale: Float
        public var zeroPoint: Int32
    }

    public struct Input: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var elementType: String
        public var rateHertz: Double
        /// Per channel: z = (x − mean) / deviation, then q = round(z / scale) + zeroPoint.
        public var mean: [Float]
        public var deviation: [Float]
        public var quantization: Quantization
    }

    public struct Output: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var elementType: String
        public var quantization: Quantization
    }

    public struct Activation: Codable, Equatable, Sendable {
        public var tensor: String
        public var quantization: Quantization
    }

    public struct Budget: Codable, Equatable, Sendable {
        public var device: String
        public var arithmetic: String
        public var parameters: Int
        public var weightBytes: Int
        public var plannedArenaBytes: Int
        public var estimatedRuntimeArenaBytes: Int
        public var multiplyAccumulates: Int
        public var latencyMilliseconds: Double
        public var cyclesPerMultiplyAccumulate: Double
        public var clockMegahertz: Double
    }

    /// How a regression student's output becomes a value: value = dequantized output · scale + mean, in `unit`
    /// (the student trains on standardised targets).
    public struct ValueScaling: Codable, Equatable, Sendable {
        public var unit: String
        public var mean: Float
        public var scale: Float

        public init(unit: String, mean: Float, scale: Float) {
            self.unit = unit
            self.mean = mean
            self.scale = scale
        }
    }

    public var format: String
    public var arithmetic: String
    public var windowSeconds: Double
    public var inputs: [Input]
    public var outputs: [Output]
    public var activations: [Activation]
    public var budget: Budget
    /// Metric name -> value (e.g. `activity_accuracy_ratio`), when the export measured them; nil otherwise.
    public var accuracyVersusTeacher: [String: Double]?
    /// Regression students only.
    public var valueScaling: ValueScaling?
    /// How the student was pruned, round by round (nil: not pruned).
    public var pruning: [PruningRound]?

    /// The card of a quantized `graph` whose inputs are windows of `windowSeconds`.
    public init(graph: EdgeGraph, normalization: InputNormalization, windowSeconds: Double, format: EdgeArtefactFormat,
                report: BudgetReport, accuracyVersusTeacher: [String: Double]? = nil, valueScaling: ValueScaling? = nil,
                pruning: [PruningRound]? = nil) {
        func quantization(_ tensor: Int) -> Quantization {
            let q = graph.tensors[tensor].quantization!
            return Quantization(scale: q.scale, zeroPoint: q.zeroPoint)
        }
        func typeName(_ tensor: Int) -> String { graph.tensors[tensor].elementType == .int16 ? "int16" : "int8" }
        self.format = format.rawValue
        arithmetic = graph.hasInt16Activations ? EdgeArithmetic.int16x8.rawValue : EdgeArithmetic.int8.rawValue
        self.windowSeconds = windowSeconds
        inputs = graph.inputs.enumerated().map { index, tensor in
            let shape = graph.tensors[tensor].shape
            return Input(name: graph.tensors[tensor].name, shape: shape, elementType: typeName(tensor),
                         rateHertz: Double(shape[shape.count - 2]) / windowSeconds, mean: normalization.means[index],
                         deviation: normalization.deviations[index], quantization: quantization(tensor))
        }
        outputs = graph.outputs.map {
            Output(name: graph.tensors[$0].name, shape: graph.tensors[$0].shape, elementType: typeName($0), quantization: quantization($0))
        }
        activations = graph.tensors.indices.filter { graph.tensors[$0].constant == nil }.map {
            Activation(tensor: graph.tensors[$0].name, quantization: quantization($0))
        }
        let profile = report.profile
        budget = Budget(device: profile.name, arithmetic: profile.arithmetic.rawValue, parameters: report.parameters,
                        weightBytes: report.deployedWeightBytes, plannedArenaBytes: report.arenaBytes,
                        estimatedRuntimeArenaBytes: report.estimatedRuntimeArenaBytes,
                        multiplyAccumulates: report.multiplyAccumulates, latencyMilliseconds: report.latencyMilliseconds,
                        cyclesPerMultiplyAccumulate: profile.cyclesPerMultiplyAccumulate, clockMegahertz: profile.clockMegahertz)
        self.accuracyVersusTeacher = accuracyVersusTeacher
        self.valueScaling = valueScaling
        self.pruning = pruning
    }
}
