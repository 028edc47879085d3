import Foundation
import SensorEval

/// A fine-tuning / evaluation experiment as read from `Experiments/*.yaml` (keys, defaults and
/// ranges in `EvaluationConfiguration+Reading.swift`). The encoder, its data and the subjects it
/// saw come from a pretraining run folder (`--from RUN_DIR`); this config says what to do with it.
public struct EvaluationConfiguration: Sendable, Equatable {
    public var name: String
    public var seed: UInt64
    public var threads: Int
    /// Standard task names (activity, heart_rate, stress), in order.
    public var tasks: [String]
    /// A dataset folder other than the pretraining run's (nil: the pretraining run's dataset).
    public var dataPath: URL?
    /// Nil: the pretraining run's own split (the same test subjects pretraining held out).
    public var evaluationProtocol: EvaluationProtocol?
    public var fractions: [Double]
    public var seeds: [UInt64]
    /// How the pretrained encoder is adapted: any of probe, partial, full.
    public var modes: [String]
    /// Whether the same architecture is also trained from scratch on each sample (the baseline).
    public var scratch: Bool
    public var featureBaseline: Bool
    public var peakDetectionBaseline: Bool
    /// Which pretraining checkpoint: "last" (the newest step) or "best" (lowest validation loss).
    public var checkpoint: String
    public var fineTune: FineTuneSettings
    /// Overrides for the from-scratch baseline (epochs, lr); nil fields take `fineTune`'s.
    public var scratchLearningRate: Float?
    public var scratchEpochs: Int?
    public var bootstrap: BootstrapSettings
    public var locations: [String: ConfigLocation] = [:]

    public static let modeNames = ["probe", "partial", "full"]
    public static let checkpointChoices = ["last", "best"]

    public static func == (lhs: EvaluationConfiguration, rhs: EvaluationConfiguration) -> Bool {
        lhs.name == rhs.name && lhs.seed == rhs.seed && lhs.threads == rhs.threads && lhs.tasks == rhs.tasks
            && lhs.dataPath == rhs.dataPath && lhs.evaluationProtocol == rhs.evaluationProtocol && lhs.fractions == rhs.fractions
            && lhs.seeds == rhs.seeds && lhs.modes == rhs.modes && lhs.scratch == rhs.scratch
            && lhs.featureBaseline == rhs.featureBaseline && lhs.peakDetectionBaseline == rhs.peakDetectionBaseline
            && lhs.checkpoint == rhs.checkpoint && lhs.fineTune == rhs.fineTune && lhs.scratchLearningRate == rhs.scratchLearningRate
            && lhs.scratchEpochs == rhs.scratchEpochs && lhs.bootstrap == rhs.bootstrap
    }

    /// The error for a value the data or the pretraining run rejects, located at `path`'s line.
    func error(_ kind: ConfigError.Kind, at path: String, _ message: String) -> ConfigError {
        ConfigError(kind, path: path, location: locations[path] ?? locations[""], message)
    }

    /// `SensorEval`'s fine-tuning configuration for `mode` with `seed`, its epochs fitted to
    /// `trainingWindows` by `min_steps` / `max_steps`.
    func fineTuneConfiguration(mode: String, seed: UInt64, trainingWindows: Int, forScratch: Bool = false) -> FineTuneConfiguration {
        let settings = fineTune
        let fineTuneMode: FineTuneMode = switch mode {
        case "partial": .partial(blocks: settings.partialBlocks)
        case "full": .full(layerDecay: forScratch ? 1 : settings.layerDecay)
        default: .linearProbe
        }
        let batches = max(1, (trainingWindows + settings.batchSize - 1) / settings.batchSize)
        var epochs = (forScratch ? scratchEpochs : nil) ?? settings.epochs
        epochs = max(epochs, (settings.minimumSteps + batches - 1) / batches)
        if let maximum = settings.maximumSteps { epochs = max(1, min(epochs, maximum / batches)) }
        return FineTuneConfiguration(
            mode: fineTuneMode, head: settings.head, regressionLoss: settings.regressionLoss, epochs: epochs,
            batchSize: settings.batchSize, learningRate: (forScratch ? scratchLearningRate : nil) ?? settings.learningRate,
            weightDecay: settings.weightDecay, warmUpFraction: settings.warmUpFraction,
            inferenceBatchSize: settings.inferenceBatchSize, seed: seed)
    }
}

/// Head, loss and optimisation of every fine-tuning run.
public struct FineTuneSettings: Sendable, Equatable {
    public static let headNames = ["linear", "mlp"]
    public static let lossNames = ["mse", "huber"]
    public var head: HeadKind
    public var regressionLoss: RegressionLoss
    public var epochs: Int
    /// Epochs are raised until a run has at least this many steps (tiny label fractions)…
    public var minimumSteps: Int
    /// …and lowered until it has at most this many (nil: no cap), so 1 % and 100 % both train sensibly.
    public var maximumSteps: Int?
    public var batchSize: Int
    public var learningRate: Float
    public var weightDecay: Float
    public var warmUpFraction: Double
    /// Layer-wise learning-rate decay of full fine-tuning.
    public var layerDecay: Float
    /// Encoder blocks partial fine-tuning trains.
    public var partialBlocks: Int
    public var inferenceBatchSize: Int
}

/// The subject bootstrap of every interval and paired difference.
public struct BootstrapSettings: Sendable, Equatable {
    public var resamples: Int
    public var level: Double
    public var seed: UInt64

    public var bootstrap: SubjectBootstrap { SubjectBootstrap(resamples: resamples, level: level, seed: seed) }
}
