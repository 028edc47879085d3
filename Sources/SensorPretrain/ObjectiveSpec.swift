import SensorTensor

/// Which tokens a masked-reconstruction objective hides, per modality and window.
public enum MaskingStrategy: Sendable, Equatable {
    /// ⌊ratio · tokens⌋ (at least 1) tokens of every modality at uniformly random positions.
    case random(ratio: Float)
    /// One contiguous span of ⌊ratio · tokens⌋ (at least 1) tokens per modality at a random start
    /// (imputation of a gap).
    case temporalBlock(ratio: Float)
    /// The last ⌊ratio · tokens⌋ (at least 1) tokens of every modality (forecasting).
    case forecast(ratio: Float)
    /// Every token of one modality: the named one, or (nil) one modality drawn per window, so it is
    /// reconstructed from the others (PPG from accelerometer and temperature, and so on).
    case modality(target: String?)

    /// The ratio of the ratio-based strategies.
    var ratio: Float? {
        switch self {
        case .random(let ratio), .temporalBlock(let ratio), .forecast(let ratio): ratio
        case .modality: nil
        }
    }
}

/// One pretraining objective with its parameters and its weight in the total loss.
public struct ObjectiveSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// MAE-style: masked tokens replaced by the mask token, one linear head per modality maps each
        /// token back to its patch; mean squared error over masked (and present) patches only.
        case maskedReconstruction(masking: MaskingStrategy)
        /// SimCLR NT-Xent between the two augmented views (needs `PretrainingBatch.secondView`).
        case simCLR(projectionDimensions: Int, temperature: Float)
        /// CLIP-style symmetric InfoNCE between every pair of modality embeddings (each modality
        /// encoded on its own), averaged over pairs.
        case crossModal(projectionDimensions: Int, temperature: Float)
        /// Subject-aware InfoNCE: other windows of the same subject are positives, keys come from an
        /// EMA (momentum) target encoder; plus `koLeoWeight` × KoLeo on the online embeddings.
        case subjectAware(projectionDimensions: Int, temperature: Float, koLeoWeight: Float, momentum: Float)

        /// The default objective name used in logged keys.
        public var defaultName: String {
            switch self {
            case .maskedReconstruction: "reconstruction"
            case .simCLR: "simclr"
            case .crossModal: "cross_modal"
            case .subjectAware: "subject"
            }
        }
    }

    /// Prefix of this objective's logged terms ("reconstruction", "reconstruction.ppg", ...); unique per model.
    public var name: String
    public var kind: Kind
    /// Factor of this objective's loss in the total.
    public var weight: Float

    public init(_ kind: Kind, weight: Float = 1, name: String? = nil) {
        self.kind = kind
        self.weight = weight
        self.name = name ?? kind.defaultName
    }

    /// Checks parameter ranges and modality names against `layout`.
    public func validate(layout: PatchLayout) throws(PretrainingConfigurationError) {
        func invalid(_ parameter: String, _ value: Float, _ expected: String) -> PretrainingConfigurationError {
            .invalidParameter(objective: name, parameter: parameter, value: value, expected: expected)
        }
        guard weight.isFinite, weight >= 0 else { throw invalid("weight", weight, "a finite value >= 0") }
        switch kind {
        case .maskedReconstruction(let masking):
            if let ratio = masking.ratio, !(ratio > 0 && ratio < 1) { throw invalid("ratio", ratio, "a value in (0, 1)") }
            if case .modality(let target?) = masking, !layout.modalities.contains(where: { $0.name == target }) {
                throw .unknownModality(objective: name, modality: target, known: layout.modalities.map(\.name))
            }
            if case .modality = masking, layout.modalities.count < 2 {
                throw .needsSeveralModalities(objective: name, modalities: layout.modalities.count)
            }
        case .simCLR(let projection, let temperature), .crossModal(let projection, let temperature):
            guard projection > 0 else { throw invalid("projection_dimensions", Float(projection), "a positive integer") }
            guard temperature > 0 else { throw invalid("temperature", temperature, "a value > 0") }
            if case .crossModal = kind, layout.modalities.count < 2 {
                throw .needsSeveralModalities(objective: name, modalities: layout.modalities.count)
            }
        case .subjectAware(let projection, let temperature, let koLeoWeight, let momentum):
            guard projection > 0 else { throw invalid("projection_dimensions", Float(projection), "a positive integer") }
            guard temperature > 0 else { throw invalid("temperature", temperature, "a value > 0") }
            guard koLeoWeight >= 0 else { throw invalid("koleo_weight", koLeoWeight, "a value >= 0") }
            guard momentum >= 0 && momentum < 1 else { throw invalid("momentum", momentum, "a value in [0, 1)") }
        }
    }
}

/// A combination of objectives that cannot be built, named for the config reader.
public enum PretrainingConfigurationError: Error, Equatable, CustomStringConvertible {
    case noObjectives
    case duplicateObjectiveName(String)
    case invalidParameter(objective: String, parameter: String, value: Float, expected: String)
    case unknownModality(objective: String, modality: String, known: [String])
    case needsSeveralModalities(objective: String, modalities: Int)

    public var description: String {
        switch self {
        case .noObjectives:
            "pretraining needs at least one objective"
        case .duplicateObjectiveName(let name):
            "two objectives are named \"\(name)\"; give each a distinct name"
        case .invalidParameter(let objective, let parameter, let value, let expected):
            "objective \"\(objective)\": \(parameter) is \(value), expected \(expected)"
        case .unknownModality(let objective, let modality, let known):
            "objective \"\(objective)\": unknown modality \"\(modality)\" (the encoder has \(known.joined(separator: ", ")))"
        case .needsSeveralModalities(let objective, let modalities):
            "objective \"\(objective)\" needs at least two modalities, the encoder has \(modalities)"
        }
    }
}

/// The result of one `PretrainingModel.losses` call.
public struct ObjectiveLosses {
    /// Σ weight · objective loss: the scalar to differentiate.
    public let total: Tensor
    /// Named scalars for logging, in a stable order: each objective's unweighted loss under its name,
    /// then its parts ("reconstruction.ppg", "subject.koleo", "cross_modal.ppg-acc"), then, in
    /// evaluation mode only, its trivial baselines and accuracies ("baseline.reconstruction.ppg",
    /// "accuracy.contrastive", "chance_accuracy.contrastive"; see `TrivialBaseline`), then the
    /// collapse monitors ("collapse.embedding_std", "collapse.effective_rank") when computed.
    public let terms: [(name: String, value: Float)]

    /// Whether the term `name` is a monitor, baseline or accuracy rather than a loss.
    public static func isMonitor(_ name: String) -> Bool {
        ["collapse.", "baseline.", "accuracy.", "chance_accuracy."].contains { name.hasPrefix($0) }
    }

    public init(total: Tensor, terms: [(name: String, value: Float)]) {
        self.total = total
        self.terms = terms
    }

    /// The value logged under `name`, if any.
    public subscript(name: String) -> Float? {
        terms.first { $0.name == name }?.value
    }
}
