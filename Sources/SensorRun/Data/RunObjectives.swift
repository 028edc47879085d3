import SensorData
import SensorNN
import SensorPretrain
import SensorTensor

/// The one place that maps configured objectives to modules: the encoder plus one module per
/// objective (sharing the encoder), the loader views they need, and their weighted loss.
///
/// Parameter names: `encoder.*`, then `objectives.<i>.*` for each objective's own layers (the shared
/// encoder is listed once, under its first path).
public final class RunModel: Module {
    public let encoder: PatchEncoder
    public let objectives: [Module]
    let settings: [ObjectiveSettings]

    /// Builds every parameter from `generator` in a fixed order (encoder, then objectives in config order).
    public init(configuration: RunConfiguration, layout: PatchLayout, generator: inout RandomGenerator) {
        let model = configuration.model
        encoder = PatchEncoder(configuration: PatchEncoderConfiguration(
            layout: layout, dimensions: model.dimensions, depth: model.depth, headCount: model.heads,
            feedForwardDimensions: model.feedForward), generator: &generator)
        var modules: [Module] = []
        for objective in configuration.objectives {
            switch objective.parameters {
            case .maskedReconstruction(let ratio):
                modules.append(MaskedReconstruction(encoder: encoder, maskRatio: ratio, generator: &generator))
            case .contrastive(let temperature, let projection, _):
                modules.append(ContrastiveObjective(encoder: encoder, projectionDimensions: projection,
                                                    temperature: temperature, generator: &generator))
            }
        }
        objectives = modules
        settings = configuration.objectives
    }

    /// Views per window the loader must make (two for a contrastive objective) and their augmentations.
    /// Masked reconstruction reads view 0, which is augmented too when a contrastive objective is present.
    public static func loaderViews(_ objectives: [ObjectiveSettings]) -> (views: Int, augmentation: AugmentationPipeline?) {
        for objective in objectives {
            if case .contrastive(_, _, let preset) = objective.parameters {
                let augmentations: [Augmentation] = preset == "light"
                    ? [.scaling(standardDeviation: 0.1), .jitter(standardDeviation: 0.05)]
                    : Augmentation.contrastiveDefaults
                return (2, AugmentationPipeline(augmentations))
            }
        }
        return (1, nil)
    }

    /// The loss of one batch: the weighted sum (to differentiate) and each objective's value, with
    /// per-modality terms where the objective has them. Masks are drawn from `generator`.
    public func losses(_ batch: Batch, generator: inout RandomGenerator, accuracy: Bool = false) -> StepLosses {
        let layout = encoder.configuration.layout
        func view(_ index: Int) -> [Tensor] { layout.modalities.map { batch.views[index][$0.name]! } }
        var total: Tensor?
        var result = StepLosses()
        for (module, setting) in zip(objectives, settings) {
            let loss: Tensor
            if let reconstruction = module as? MaskedReconstruction {
                let terms = reconstruction.loss(view(0), generator: &generator)
                loss = terms.total
                result.perModality[setting.kind] = Dictionary(uniqueKeysWithValues: zip(layout.modalities.map(\.name), terms.perModality.map(Double.init)))
            } else {
                let contrastive = module as! ContrastiveObjective
                let first = view(0), second = view(1)
                if accuracy {
                    let embeddings = contrastive.embed(zip(first, second).map { Tensor.concatenate([$0, $1], axis: 0) })
                    loss = Loss.ntXent(embeddings, temperature: contrastive.temperature)
                    result.contrastiveAccuracy = Self.positiveAccuracy(embeddings)
                } else {
                    loss = contrastive.loss(first: first, second: second)
                }
            }
            result.perObjective.append((setting.kind, Double(loss.item)))
            let weighted = setting.weight == 1 ? loss : loss * setting.weight
            total = total.map { $0 + weighted } ?? weighted
        }
        result.total = total!
        return result
    }

    /// Share of the 2B views whose most similar other view (cosine) is their positive pair.
    /// embeddings: [2B, P], rows i and i + B are the two views of window i.
    static func positiveAccuracy(_ embeddings: Tensor) -> Double {
        let rows = embeddings.shape[0], width = embeddings.shape[1], half = rows / 2
        let values = embeddings.scalars
        var norms = [Float](repeating: 0, count: rows)
        for i in 0..<rows {
            var sum: Float = 0
            for k in 0..<width { sum += values[i * width + k] * values[i * width + k] }
            norms[i] = max(sum.squareRoot(), 1e-12)
        }
        var correct = 0
        for i in 0..<rows {
            var best = -1, bestScore = -Float.infinity
            for j in 0..<rows where j != i {
                var dot: Float = 0
                for k in 0..<width { dot += values[i * width + k] * values[j * width + k] }
                let score = dot / (norms[i] * norms[j])
                if score > bestScore { bestScore = score; best = j }
            }
            if best == (i + half) % rows { correct += 1 }
        }
        return Double(correct) / Double(rows)
    }
}

/// The loss terms of one step.
public struct StepLosses {
    /// The weighted sum, with its graph (call `backward()` on it).
    public var total = Tensor(shape: [], scalars: [0])
    /// Each objective's unweighted loss, in config order.
    public var perObjective: [(String, Double)] = []
    /// objective → modality → loss, for objectives that report per modality.
    public var perModality: [String: [String: Double]] = [:]
    /// Top-1 positive-pair accuracy of the contrastive objective (chance 1 / (2B − 1)), when asked for.
    public var contrastiveAccuracy: Double?
}
