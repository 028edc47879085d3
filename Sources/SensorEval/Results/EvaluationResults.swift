import Foundation

/// Classification metrics with subject-bootstrap intervals (nil where undefined on the test set).
public struct ClassificationReport: Sendable, Codable, Equatable {
    public var accuracy: ConfidenceInterval?
    public var balancedAccuracy: ConfidenceInterval?
    public var macroF1: ConfidenceInterval?
    /// Mean one-vs-rest AUROC.
    public var auroc: ConfidenceInterval?
    public var confusion: ConfusionMatrix
}

/// Regression metrics with subject-bootstrap intervals, in the task's unit.
public struct RegressionReport: Sendable, Codable, Equatable {
    public var meanAbsoluteError: ConfidenceInterval?
    public var rootMeanSquaredError: ConfidenceInterval?
    public var pearson: ConfidenceInterval?
    public var blandAltman: BlandAltman?
    /// A subsample of the Bland–Altman points for plotting.
    public var blandAltmanPoints: [BlandAltmanPoint]
}

/// The metrics of one model on one test set.
public struct MetricReport: Sendable, Codable, Equatable {
    public var testWindows: Int
    public var testSubjects: Int
    public var classification: ClassificationReport?
    public var regression: RegressionReport?
}

/// One trained-and-tested model: which model, mode, label fraction, seed and fold.
public struct RunResult: Sendable, Codable, Equatable {
    /// "pretrained", "scratch", "features" or "peak_detection".
    public var model: String
    /// `FineTuneMode.name`, or "logistic" / "ridge" / "peaks" for the classical baselines.
    public var mode: String
    public var fraction: Double
    public var seed: UInt64
    public var fold: EvaluationFold
    public var trainingWindows: Int
    /// Mean training loss per epoch (empty for closed-form baselines).
    public var epochLosses: [Float]
    public var metrics: MetricReport

    public init(model: String, mode: String, fraction: Double, seed: UInt64, fold: EvaluationFold, trainingWindows: Int,
                epochLosses: [Float], metrics: MetricReport) {
        self.model = model
        self.mode = mode
        self.fraction = fraction
        self.seed = seed
        self.fold = fold
        self.trainingWindows = trainingWindows
        self.epochLosses = epochLosses
        self.metrics = metrics
    }
}

/// A paired comparison of two models on the same test windows: the CI of (first − second), for
/// one seed or for the mean over several seeds (each resample averages the seeds' metrics).
public struct PairedComparison: Sendable, Codable, Equatable {
    public var metric: String
    public var first: String
    public var second: String
    public var mode: String
    public var fraction: Double
    public var seeds: [UInt64]
    public var fold: Int
    public var difference: ConfidenceInterval

    public init(metric: String, first: String, second: String, mode: String, fraction: Double, seeds: [UInt64], fold: Int,
                difference: ConfidenceInterval) {
        self.metric = metric
        self.first = first
        self.second = second
        self.mode = mode
        self.fraction = fraction
        self.seeds = seeds
        self.fold = fold
        self.difference = difference
    }
}

/// One method (model and mode) at one label fraction on one fold's test subjects, over its seeds:
/// the mean over seeds of a metric with the bootstrap interval of that mean (each resample draws the
/// test subjects once and scores every seed's model on them). This is the quantity the
/// label-efficiency curves plot, band included.
public struct MethodSummary: Sendable, Codable, Equatable {
    public var model: String
    public var mode: String
    public var fraction: Double
    public var fold: Int
    public var seeds: [UInt64]
    public var metric: String
    public var interval: ConfidenceInterval

    public init(model: String, mode: String, fraction: Double, fold: Int, seeds: [UInt64], metric: String, interval: ConfidenceInterval) {
        self.model = model
        self.mode = mode
        self.fraction = fraction
        self.fold = fold
        self.seeds = seeds
        self.metric = metric
        self.interval = interval
    }
}

/// Everything measured for one task.
public struct TaskResults: Sendable, Codable, Equatable {
    public var task: TaskSpec
    public var runs: [RunResult]
    public var comparisons: [PairedComparison]
    /// Seed-mean metrics with their intervals, per method, fraction and fold (empty in results
    /// written before schema version 2).
    public var summaries: [MethodSummary]

    public init(task: TaskSpec, runs: [RunResult] = [], comparisons: [PairedComparison] = [], summaries: [MethodSummary] = []) {
        self.task = task
        self.runs = runs
        self.comparisons = comparisons
        self.summaries = summaries
    }

    private enum CodingKeys: String, CodingKey { case task, runs, comparisons, summaries }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        task = try container.decode(TaskSpec.self, forKey: .task)
        runs = try container.decode([RunResult].self, forKey: .runs)
        comparisons = try container.decode([PairedComparison].self, forKey: .comparisons)
        summaries = try container.decodeIfPresent([MethodSummary].self, forKey: .summaries) ?? []
    }
}

/// The `results.json` of an evaluation: every number, the splits, the seeds and the checkpoint
/// the encoder came from; the report renderer reads only this.
public struct EvaluationResults: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 2
    public var schemaVersion: Int
    /// SHA-256 of the pretrained checkpoint file (nil when evaluating from scratch only).
    public var checkpointSHA256: String?
    /// Subjects the encoder was pretrained on (the guard's reference list).
    public var pretrainingSubjects: [String]
    public var evaluationProtocol: EvaluationProtocol
    public var fractions: [Double]
    public var seeds: [UInt64]
    public var bootstrapResamples: Int
    public var bootstrapSeed: UInt64
    public var tasks: [TaskResults]
    /// Clearly stated problems (e.g. a class absent from the training subjects, windows without a
    /// detectable pulse) instead of silent NaN.
    public var warnings: [String]

    public init(checkpointSHA256: String?, pretrainingSubjects: [String], evaluationProtocol: EvaluationProtocol,
                fractions: [Double], seeds: [UInt64], bootstrapResamples: Int, bootstrapSeed: UInt64,
                tasks: [TaskResults] = [], warnings: [String] = []) {
        schemaVersion = Self.currentSchemaVersion
        self.checkpointSHA256 = checkpointSHA256
        self.pretrainingSubjects = pretrainingSubjects
        self.evaluationProtocol = evaluationProtocol
        self.fractions = fractions
        self.seeds = seeds
        self.bootstrapResamples = bootstrapResamples
        self.bootstrapSeed = bootstrapSeed
        self.tasks = tasks
        self.warnings = warnings
    }

    /// Pretty-printed JSON with sorted keys (byte-identical for equal results).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> EvaluationResults {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(EvaluationResults.self, from: data)
    }
}
