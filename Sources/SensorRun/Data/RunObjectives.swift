import SensorData
import SensorNN
import SensorPretrain
import SensorTensor

/// The one place that maps a run configuration onto SensorPretrain: the encoder description, the
/// objective descriptions (`ObjectiveSpec`, named by their config kind so metrics read
/// `loss.masked_reconstruction.ppg`), the loader views they need, and one step's losses.
public enum RunObjectives {
    /// The encoder the config describes, over `layout`.
    public static func encoderSpec(_ configuration: RunConfiguration, layout: PatchLayout) -> EncoderSpec {
        let model = configuration.model
        if model.encoder == "resnet1d" {
            return .resNet(ResNetEncoderConfiguration(layout: layout, dimensions: model.dimensions, width: model.width,
                                                      blockCount: model.blocks, kernelSize: model.kernelSize))
        }
        return .transformer(PatchEncoderConfiguration(layout: layout, dimensions: model.dimensions, depth: model.depth,
                                                      headCount: model.heads, feedForwardDimensions: model.feedForward))
    }

    /// The objectives in config order.
    public static func objectiveSpecs(_ configuration: RunConfiguration) -> [ObjectiveSpec] {
        configuration.objectives.map { objective in
            let kind: ObjectiveSpec.Kind
            switch objective.parameters {
            case .maskedReconstruction(let masking, let ratio, let target):
                let strategy: MaskingStrategy = switch masking {
                case "temporal_block": .temporalBlock(ratio: ratio)
                case "forecast": .forecast(ratio: ratio)
                case "modality": .modality(target: target)
                default: .random(ratio: ratio)
                }
                kind = .maskedReconstruction(masking: strategy)
            case .contrastive(let temperature, let projection, _):
                kind = .simCLR(projectionDimensions: projection, temperature: temperature)
            case .crossModal(let temperature, let projection):
                kind = .crossModal(projectionDimensions: projection, temperature: temperature)
            case .subjectAware(let temperature, let projection, let koLeo, let momentum, _):
                kind = .subjectAware(projectionDimensions: projection, temperature: temperature, koLeoWeight: koLeo, momentum: momentum)
            }
            return ObjectiveSpec(kind, weight: objective.weight, name: objective.kind)
        }
    }

    /// Checks every objective against the layout, naming the config key of the one that fails.
    static func validate(_ configuration: RunConfiguration, layout: PatchLayout) throws {
        for (index, spec) in objectiveSpecs(configuration).enumerated() {
            do { try spec.validate(layout: layout) } catch {
                let path = "objectives.\(index)"
                let key = configuration.locations["\(path).target_modality"] != nil ? "\(path).target_modality" : path
                throw configuration.error(.inconsistent, at: key, "\(error)")
            }
        }
    }

    /// The model: encoder then objectives, every parameter drawn from `generator` in a fixed order.
    public static func makeModel(_ configuration: RunConfiguration, layout: PatchLayout,
                                 generator: inout RandomGenerator) throws -> PretrainingModel {
        do {
            return try PretrainingModel(encoder: encoderSpec(configuration, layout: layout),
                                        objectives: objectiveSpecs(configuration), generator: &generator)
        } catch {
            throw configuration.error(.inconsistent, at: "objectives", "\(error)")
        }
    }

    /// The views the objectives read: `plain` when one reconstructs or aligns modalities (it reads the
    /// recorded signal), and an augmentation when one contrasts two augmented views (SimCLR, the
    /// subject-aware momentum target). See `RunLoader`.
    public struct LoaderViews: Equatable, Sendable {
        public var plain: Bool
        public var augmentation: AugmentationPipeline?
    }

    /// The views `objectives` need, with the augmentation preset of the first contrastive one.
    public static func loaderViews(_ objectives: [ObjectiveSettings]) -> LoaderViews {
        var views = LoaderViews(plain: false, augmentation: nil)
        for objective in objectives {
            switch objective.parameters {
            case .contrastive(_, _, let preset), .subjectAware(_, _, _, _, let preset):
                guard views.augmentation == nil else { continue }
                views.augmentation = AugmentationPipeline(augmentations(preset: preset))
            case .maskedReconstruction, .crossModal:
                views.plain = true
            }
        }
        return views
    }

    /// The augmentations of a contrastive preset. `rate_preserving` is the defaults without the two that
    /// change the time scale: crop-and-stretch and time warp move a 70 bpm pulse to anywhere between about
    /// 55 and 90 bpm, which teaches the embedding to ignore heart rate; a shift varies the window boundary
    /// instead of the crop.
    static func augmentations(preset: String) -> [Augmentation] {
        switch preset {
        case "light": [.scaling(standardDeviation: 0.1), .jitter(standardDeviation: 0.05)]
        case "rate_preserving": [.shift(maximumFraction: 0.1)] + Augmentation.contrastiveDefaults.filter {
            switch $0 { case .crop, .timeWarp: false; default: true }
        }
        default: Augmentation.contrastiveDefaults
        }
    }

    /// One batch's losses; masks and other draws come from `generator` (made for the whole global
    /// batch when `batch` holds one `shard` of it). With a shard, `exchange` gives the contrastive
    /// objectives the global batch and `globalSubjects` its subjects (see `GlobalBatch`).
    public static func losses(_ model: PretrainingModel, batch: Batch, shard: BatchShard? = nil,
                              exchange: (any RowExchange)? = nil, globalSubjects: [String]? = nil,
                              generator: inout RandomGenerator) -> StepLosses {
        var input = PretrainingBatch(batch, layout: model.encoder.layout)
        input.shard = shard
        input.exchange = exchange
        input.globalSubjects = globalSubjects
        let losses = model.losses(batch: input, generator: &generator)
        let names = Set(model.specs.map(\.name))
        return StepLosses(total: losses.total,
                          perObjective: losses.terms.filter { names.contains($0.name) }.map { ($0.name, Double($0.value)) },
                          terms: losses.terms.map { ($0.name, Double($0.value)) })
    }
}

/// The loss terms of one step.
public struct StepLosses {
    /// The weighted sum, with its graph (call `backward()` on it).
    public var total: Tensor
    /// Each objective's unweighted loss, in config order.
    public var perObjective: [(String, Double)]
    /// Every logged term: objective losses, their parts (`masked_reconstruction.ppg`), collapse monitors.
    public var terms: [(String, Double)]
}
