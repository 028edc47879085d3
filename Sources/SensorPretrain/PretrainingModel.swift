import SensorNN
import SensorTensor

/// An encoder with the heads and projectors of a weighted list of objectives: the model a
/// pretraining run optimises and checkpoints.
///
/// Per step: `losses(batch:generator:)`, backward on `total`, the optimizer step over
/// `optimizedParameters()`, then `updateMomentumTargets()` (EMA targets are parameters of the tree,
/// so checkpoints carry them, but they are frozen and never optimised).
public final class PretrainingModel: Module {
    public let encoder: any Encoder
    let objectives: [PretrainingObjective]
    public let specs: [ObjectiveSpec]

    public init(encoder: any Encoder, objectives specs: [ObjectiveSpec],
                generator: inout RandomGenerator) throws(PretrainingConfigurationError) {
        guard !specs.isEmpty else { throw .noObjectives }
        var names = Set<String>()
        for spec in specs {
            guard names.insert(spec.name).inserted else { throw .duplicateObjectiveName(spec.name) }
            try spec.validate(layout: encoder.layout)
        }
        self.encoder = encoder
        self.specs = specs
        objectives = specs.map { spec in
            switch spec.kind {
            case .maskedReconstruction(let masking):
                ReconstructionObjective(spec: spec, masking: masking, encoder: encoder, generator: &generator)
            case .simCLR(let projection, let temperature):
                SimCLRObjective(spec: spec, encoder: encoder, projectionDimensions: projection, temperature: temperature,
                                generator: &generator)
            case .crossModal(let projection, let temperature):
                CrossModalObjective(spec: spec, encoder: encoder, projectionDimensions: projection, temperature: temperature,
                                    generator: &generator)
            case .subjectAware(let projection, let temperature, let koLeoWeight, let momentum):
                SubjectAwareObjective(spec: spec, encoder: encoder, projectionDimensions: projection, temperature: temperature,
                                      koLeoWeight: koLeoWeight, momentum: momentum, generator: &generator)
            }
        }
    }

    /// Builds the encoder from `encoderSpec`, then the objectives.
    public convenience init(encoder encoderSpec: EncoderSpec, objectives specs: [ObjectiveSpec],
                            generator: inout RandomGenerator) throws(PretrainingConfigurationError) {
        let encoder = encoderSpec.makeEncoder(generator: &generator)
        try self.init(encoder: encoder, objectives: specs, generator: &generator)
    }

    /// Whether some objective reads `PretrainingBatch.secondView` (SimCLR needs it; the subject-aware
    /// target uses it when present and the first view otherwise).
    public var usesSecondView: Bool {
        specs.contains { if case .simCLR = $0.kind { true } else if case .subjectAware = $0.kind { true } else { false } }
    }

    /// The trainable parameters (everything but the frozen momentum targets), for the optimizer.
    public func optimizedParameters() -> [(String, Tensor)] {
        namedParameters().filter { $0.1.requiresGrad }
    }

    /// The weighted total and the logged terms of every objective on `batch`; masks and other draws
    /// come from `generator`. Collapse monitors are computed on the online pooled embeddings of the
    /// contrastive pair's first view when a contrastive objective produced them.
    public func losses(batch: PretrainingBatch, generator: inout RandomGenerator) -> ObjectiveLosses {
        let context = ObjectiveContext(encoder: encoder, batch: batch)
        var total: Tensor?
        var terms: [(name: String, value: Float)] = []
        for (spec, objective) in zip(specs, objectives) {
            let loss = objective.loss(context, generator: &generator, terms: &terms)
            let weighted = spec.weight == 1 ? loss : loss * spec.weight
            total = total.map { $0 + weighted } ?? weighted
        }
        if let pooled = context.cachedContrastiveEmbedding {
            let embeddings = pooled.detached()
            terms.append(("collapse.embedding_std", CollapseMonitor.embeddingStandardDeviation(embeddings)))
            terms.append(("collapse.effective_rank", CollapseMonitor.effectiveRank(CollapseMonitor.rowNormalized(embeddings))))
        }
        return ObjectiveLosses(total: total!, terms: terms)
    }

    /// θ_target ← m·θ_target + (1 − m)·θ_online for every momentum target; call after each optimizer step.
    public func updateMomentumTargets() {
        for objective in objectives { objective.updateMomentumTarget(online: encoder) }
    }
}

/// Per-call state shared by the objectives: the prepared views and memoised forward passes.
final class ObjectiveContext {
    let encoder: any Encoder
    let batch: PretrainingBatch
    /// `batch.windows`: what reconstruction and cross-modal alignment read.
    let first: PreparedView
    private var preparedContrastiveFirst: PreparedView?
    private var preparedSecond: PreparedView?
    private(set) var cachedContrastiveEmbedding: Tensor?

    init(encoder: any Encoder, batch: PretrainingBatch) {
        self.encoder = encoder
        self.batch = batch
        first = PreparedView(layout: encoder.layout, windows: batch.windows, batch: batch.size)
    }

    /// The first view of the contrastive pair: `batch.contrastiveView`, or `first` when there is none.
    var contrastiveFirst: PreparedView {
        guard let windows = batch.contrastiveView else { return first }
        if preparedContrastiveFirst == nil {
            preparedContrastiveFirst = PreparedView(layout: encoder.layout, windows: windows, batch: batch.size)
        }
        return preparedContrastiveFirst!
    }

    /// The second view, prepared once; nil when the batch has none.
    var second: PreparedView? {
        if preparedSecond == nil, let windows = batch.secondView {
            preparedSecond = PreparedView(layout: encoder.layout, windows: windows, batch: batch.size)
        }
        return preparedSecond
    }

    /// The online encoder's pooled embedding [B, D] of `contrastiveFirst` (missing tokens masked), once.
    func contrastiveEmbedding() -> Tensor {
        if let cachedContrastiveEmbedding { return cachedContrastiveEmbedding }
        let view = contrastiveFirst
        let embedding = encoder.embed(view.patches, mask: view.missingTokens)
        cachedContrastiveEmbedding = embedding
        return embedding
    }

    /// Records an embedding of `contrastiveFirst` computed elsewhere (e.g. inside a two-view pass).
    func offerContrastiveEmbedding(_ embedding: Tensor) {
        if cachedContrastiveEmbedding == nil { cachedContrastiveEmbedding = embedding }
    }
}

/// The base of the objective modules: heads and projectors as stored state, one loss per call.
class PretrainingObjective: Module {
    let spec: ObjectiveSpec

    init(spec: ObjectiveSpec) {
        self.spec = spec
    }

    /// The unweighted loss; appends the objective's logged terms (its own name first).
    func loss(_ context: ObjectiveContext, generator: inout RandomGenerator, terms: inout [(name: String, value: Float)]) -> Tensor {
        preconditionFailure("PretrainingObjective.loss must be overridden by \(type(of: self))")
    }

    /// Objectives with a momentum target move it towards the online weights.
    func updateMomentumTarget(online: any Encoder) {}
}
