import Foundation

/// A pretraining experiment as read from `Experiments/*.yaml` (see `RunConfiguration+Reading.swift`
/// for the keys, defaults and ranges). Paths are absolute once read (resolved against the config's folder).
public struct RunConfiguration: Sendable, Equatable {
    public var name: String
    public var seed: UInt64
    public var threads: Int
    public var model: ModelSettings
    public var objectives: [ObjectiveSettings]
    public var data: DataSettings
    public var windowing: WindowingSettings
    public var split: SplitSettings
    public var optimizer: OptimizerSettings
    public var schedule: ScheduleSettings
    public var training: TrainingSettings
    /// Where each value was read (dotted path → file and line), so later checks against the data can
    /// name the key they concern.
    public var locations: [String: ConfigLocation] = [:]

    public static func == (lhs: RunConfiguration, rhs: RunConfiguration) -> Bool {
        lhs.name == rhs.name && lhs.seed == rhs.seed && lhs.threads == rhs.threads && lhs.model == rhs.model
            && lhs.objectives == rhs.objectives && lhs.data == rhs.data && lhs.windowing == rhs.windowing
            && lhs.split == rhs.split && lhs.optimizer == rhs.optimizer && lhs.schedule == rhs.schedule
            && lhs.training == rhs.training
    }

    /// The error for a value that the data or model rejects, located at `path`'s line.
    func error(_ kind: ConfigError.Kind, at path: String, _ message: String, suggestion: String? = nil) -> ConfigError {
        ConfigError(kind, path: path, location: locations[path] ?? locations[""], message, suggestion: suggestion)
    }
}

/// The encoder: its kind and sizes, and how each modality is cut into patches.
public struct ModelSettings: Sendable, Equatable {
    public static let encoderKinds = ["patch_transformer", "resnet1d"]
    public var encoder: String
    public var dimensions: Int
    /// Transformer: blocks, heads, feed-forward width.
    public var depth: Int
    public var heads: Int
    public var feedForward: Int
    /// ResNet-1D: channel width of the stems, residual blocks per modality, kernel size.
    public var width: Int
    public var blocks: Int
    public var kernelSize: Int
    /// Modalities in token order with their patch length in seconds.
    public var patchSeconds: [(modality: String, seconds: Double)]

    public static func == (lhs: ModelSettings, rhs: ModelSettings) -> Bool {
        lhs.encoder == rhs.encoder && lhs.dimensions == rhs.dimensions && lhs.depth == rhs.depth && lhs.heads == rhs.heads
            && lhs.feedForward == rhs.feedForward && lhs.width == rhs.width && lhs.blocks == rhs.blocks
            && lhs.kernelSize == rhs.kernelSize && lhs.patchSeconds.map(\.modality) == rhs.patchSeconds.map(\.modality)
            && lhs.patchSeconds.map(\.seconds) == rhs.patchSeconds.map(\.seconds)
    }
}

/// One weighted term of the training loss (mapped to SensorPretrain's `ObjectiveSpec` in `RunObjectives`).
public struct ObjectiveSettings: Sendable, Equatable {
    public enum Parameters: Sendable, Equatable {
        /// MAE-style reconstruction; `masking` is random, temporal_block, forecast or modality (with an
        /// optional `targetModality`, else one drawn per window).
        case maskedReconstruction(masking: String, maskRatio: Float, targetModality: String?)
        /// SimCLR NT-Xent between two augmented views; `augmentations` names a preset ("default", "light" or
        /// "rate_preserving": the defaults without crop-and-stretch and time warp, which change heart rate).
        case contrastive(temperature: Float, projectionDimensions: Int, augmentations: String)
        /// CLIP-style InfoNCE between modality embeddings.
        case crossModal(temperature: Float, projectionDimensions: Int)
        /// Same-subject positives against an EMA target encoder, plus KoLeo.
        case subjectAware(temperature: Float, projectionDimensions: Int, koLeoWeight: Float, momentum: Float, augmentations: String)
    }

    public static let kinds = ["masked_reconstruction", "contrastive", "cross_modal", "subject_aware"]
    public static let maskingModes = ["random", "temporal_block", "forecast", "modality"]
    public var weight: Float
    public var parameters: Parameters

    /// The config's name of this objective (also its key in metrics).
    public var kind: String {
        switch parameters {
        case .maskedReconstruction: "masked_reconstruction"
        case .contrastive: "contrastive"
        case .crossModal: "cross_modal"
        case .subjectAware: "subject_aware"
        }
    }
}

/// Where the windows come from: a dataset folder, or a synthetic cohort generated on first use and
/// cached under `cache` by its parameters.
public struct DataSettings: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case folder(URL)
        case synthetic(subjects: Int, hours: Double, seed: UInt64)
    }

    public var source: Source
    public var cache: URL
}

/// Window length and stride in seconds (used to cut the synthetic cohort; checked against a folder's manifest).
public struct WindowingSettings: Sendable, Equatable {
    public var windowSeconds: Double
    public var strideSeconds: Double
}

/// Subject-wise split fractions.
public struct SplitSettings: Sendable, Equatable {
    public var validationFraction: Double
    public var testFraction: Double
    public var seed: UInt64
}

public struct OptimizerSettings: Sendable, Equatable {
    public static let names = ["adamw", "adam", "sgd"]
    public var name: String
    public var learningRate: Float
    public var betas: [Float]
    public var weightDecay: Float
    public var momentum: Float
    /// Global gradient-norm clip; nil logs the norm without clipping.
    public var clipNorm: Float?
}

public struct ScheduleSettings: Sendable, Equatable {
    public static let kinds = ["constant", "cosine"]
    public var kind: String
    public var warmupSteps: Int
    public var minimumLearningRate: Float
}

public struct TrainingSettings: Sendable, Equatable {
    public var batchSize: Int
    public var steps: Int
    public var checkpointInterval: Int
    public var keepLast: Int
    public var logInterval: Int
    /// Steps between validations; 0 disables validation.
    public var validationInterval: Int
    /// Validation batches per validation (at most the validation set's).
    public var validationBatches: Int
}
