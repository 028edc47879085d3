import SensorNN
import SensorTensor

/// SimCLR: both views in one encoder pass, mean-pooled, projected by an MLP (D -> D, ReLU -> P),
/// NT-Xent over the 2·B projections.
final class SimCLRObjective: PretrainingObjective {
    let projector: MLP
    let temperature: Float

    init(spec: ObjectiveSpec, encoder: any Encoder, projectionDimensions: Int, temperature: Float,
         generator: inout RandomGenerator) {
        projector = MLP(dimensions: [encoder.dimensions, encoder.dimensions, projectionDimensions], activation: .relu,
                        generator: &generator)
        self.temperature = temperature
        super.init(spec: spec)
    }

    override func loss(_ context: ObjectiveContext, generator: inout RandomGenerator,
                       terms: inout [(name: String, value: Float)]) -> Tensor {
        guard let second = context.second else {
            preconditionFailure("objective \"\(spec.name)\" (SimCLR) needs PretrainingBatch.secondView (an augmented second view)")
        }
        let first = context.contrastiveFirst, batch = context.batch.size
        let patches = zip(first.patches, second.patches).map { Tensor.concatenate([$0, $1], axis: 0) }
        let mask = first.hasMissing || second.hasMissing
            ? Tensor.concatenate([first.missingTokensOrZeros(batch: batch), second.missingTokensOrZeros(batch: batch)], axis: 0)
            : nil
        let pooled = context.encoder.embed(patches, mask: mask)
        context.offerContrastiveEmbedding(pooled.sliced(axis: 0, range: 0..<batch))
        let projections = projector(pooled)
        // Under data parallelism: [first views of all ranks; second views of all ranks], the row order
        // of one process, so partner i is still row i + B.
        let exchange = context.batch.exchange
        let global = exchange == nil ? projections : Tensor.concatenate([
            GlobalBatch.gather(projections.sliced(axis: 0, range: 0..<batch), exchange: exchange),
            GlobalBatch.gather(projections.sliced(axis: 0, range: batch..<(2 * batch)), exchange: exchange),
        ], axis: 0)
        let loss = Loss.ntXent(global, temperature: temperature)
        terms.append((spec.name, loss.item))
        if !isTraining {
            // In evaluation: NT-Xent at chance, top-1 retrieval of the partner view and its chance level.
            terms.append(("baseline.\(spec.name)", TrivialBaseline.ntXentChanceLoss(pairs: batch)))
            terms.append(("accuracy.\(spec.name)", TrivialBaseline.ntXentTopOneAccuracy(projections)))
            terms.append(("chance_accuracy.\(spec.name)", TrivialBaseline.ntXentChanceAccuracy(pairs: batch)))
        }
        return loss
    }
}

/// CLIP-style cross-modal alignment: each modality encoded on its own and projected by its own
/// linear map; symmetric InfoNCE for every pair of modalities over the windows where both hold
/// data, averaged over pairs.
final class CrossModalObjective: PretrainingObjective {
    let projectors: [Linear]
    let temperature: Float

    init(spec: ObjectiveSpec, encoder: any Encoder, projectionDimensions: Int, temperature: Float,
         generator: inout RandomGenerator) {
        projectors = encoder.layout.modalities.map { _ in
            Linear(inputDimensions: encoder.dimensions, outputDimensions: projectionDimensions, generator: &generator)
        }
        self.temperature = temperature
        super.init(spec: spec)
    }

    override func loss(_ context: ObjectiveContext, generator: inout RandomGenerator,
                       terms: inout [(name: String, value: Float)]) -> Tensor {
        let view = context.first, modalities = context.encoder.layout.modalities, exchange = context.batch.exchange
        // Under data parallelism the embeddings and presence flags of all ranks (see `GlobalBatch`).
        let embeddings = zip(projectors, context.encoder.modalityEmbeddings(view.patches, mask: view.missingTokens))
            .map { projector, embedding in GlobalBatch.gather(projector(embedding), exchange: exchange) }
        let present = view.missing.map { missing in
            let flags = missing.withUnsafeBufferPointer { flags in
                let tokens = missing.shape[1]
                return (0..<missing.shape[0]).map { row in (0..<tokens).contains { flags[row * tokens + $0] == 0 } ? Float(1) : 0 }
            }
            return GlobalBatch.gather(flags, exchange: exchange).map { $0 > 0 }
        }
        let windows = present[0].count
        var total: Tensor?
        var pairTerms: [(name: String, value: Float)] = []
        for a in 0..<modalities.count {
            for b in (a + 1)..<modalities.count {
                let rows = (0..<windows).filter { present[a][$0] && present[b][$0] }
                guard rows.count >= 2 else { continue }
                let all = rows.count == windows
                let left = all ? embeddings[a] : embeddings[a].indexSelect(axis: 0, indices: rows)
                let right = all ? embeddings[b] : embeddings[b].indexSelect(axis: 0, indices: rows)
                let pair = ContrastiveLoss.symmetricInfoNCE(left, right, temperature: temperature)
                pairTerms.append(("\(spec.name).\(modalities[a].name)-\(modalities[b].name)", pair.item))
                total = total.map { $0 + pair } ?? pair
            }
        }
        // No pair with two complete windows: a zero that stays connected to the graph.
        let loss = total.map { $0 / Float(pairTerms.count) } ?? embeddings[0].sum() * 0
        terms.append((spec.name, loss.item))
        terms += pairTerms
        return loss
    }
}

/// Subject-aware contrastive learning with a momentum target (Abbaspourazad et al., 2024): online
/// queries from the first view, keys from an EMA copy of encoder and projector on the second view
/// (or the first when there is none), positives = other windows of the same subject; plus KoLeo
/// on the online projections to keep them spread.
final class SubjectAwareObjective: PretrainingObjective {
    let projector: MLP
    /// Frozen EMA copies: updated only by `updateMomentumTarget`.
    let targetEncoder: any Encoder
    let targetProjector: MLP
    let temperature: Float
    let koLeoWeight: Float
    let momentum: Float

    init(spec: ObjectiveSpec, encoder: any Encoder, projectionDimensions: Int, temperature: Float, koLeoWeight: Float,
         momentum: Float, generator: inout RandomGenerator) {
        projector = MLP(dimensions: [encoder.dimensions, encoder.dimensions, projectionDimensions], activation: .relu,
                        generator: &generator)
        targetEncoder = encoder.makeCopy()
        var unused = RandomGenerator(seed: 0)
        targetProjector = MLP(dimensions: [encoder.dimensions, encoder.dimensions, projectionDimensions], activation: .relu,
                              generator: &unused)
        targetProjector.copyState(from: projector)
        targetEncoder.freeze()
        targetProjector.freeze()
        self.temperature = temperature
        self.koLeoWeight = koLeoWeight
        self.momentum = momentum
        super.init(spec: spec)
    }

    override func loss(_ context: ObjectiveContext, generator: inout RandomGenerator,
                       terms: inout [(name: String, value: Float)]) -> Tensor {
        // Under data parallelism queries, keys and subjects of the global batch (see `GlobalBatch`).
        let exchange = context.batch.exchange
        let queries = GlobalBatch.gather(projector(context.contrastiveEmbedding()), exchange: exchange)
        let keyView = context.second ?? context.contrastiveFirst
        let keys = GlobalBatch.gather(withNoGrad { targetProjector(targetEncoder.embed(keyView.patches, mask: keyView.missingTokens)) }.detached(),
                                      exchange: exchange)
        let subjects = exchange == nil ? context.batch.subjects : context.batch.globalSubjects!
        let contrastive = ContrastiveLoss.subjectInfoNCE(queries: queries, keys: keys, subjects: subjects,
                                                         temperature: temperature)
        var loss = contrastive.loss
        terms.append((spec.name, 0))
        let nameIndex = terms.count - 1
        terms.append(("\(spec.name).infonce", contrastive.loss.item))
        if koLeoWeight > 0 && subjects.count >= 2 {
            let koLeo = ContrastiveLoss.koLeo(queries)
            terms.append(("\(spec.name).koleo", koLeo.item))
            loss = loss + koLeo * koLeoWeight
        }
        terms.append(("\(spec.name).positives", contrastive.positivesPerQuery))
        terms[nameIndex].value = loss.item
        return loss
    }

    override func updateMomentumTarget(online: any Encoder) {
        MomentumUpdate.apply(target: targetEncoder, online: online, momentum: momentum)
        MomentumUpdate.apply(target: targetProjector, online: projector, momentum: momentum)
    }
}

extension PreparedView {
    /// [B, T, 1] missing tokens, zeros when none is missing.
    func missingTokensOrZeros(batch: Int) -> Tensor {
        missingTokens ?? Tensor.zeros([batch, missing.reduce(0) { $0 + $1.shape[1] }, 1])
    }
}
