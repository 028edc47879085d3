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
        let first = context.first, batch = context.batch.size
        let patches = zip(first.patches, second.patches).map { Tensor.concatenate([$0, $1], axis: 0) }
        let mask = first.hasMissing || second.hasMissing
            ? Tensor.concatenate([first.missingTokensOrZeros(batch: batch), second.missingTokensOrZeros(batch: batch)], axis: 0)
            : nil
        let pooled = context.encoder.embed(patches, mask: mask)
        context.offerFirstViewEmbedding(pooled.sliced(axis: 0, range: 0..<batch))
        let projections = projector(pooled)
        let loss = Loss.ntXent(projections, temperature: temperature)
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
        let view = context.first, modalities = context.encoder.layout.modalities
        let embeddings = zip(projectors, context.encoder.modalityEmbeddings(view.patches, mask: view.missingTokens))
            .map { projector, embedding in projector(embedding) }
        let present = view.missing.map { missing in
            missing.withUnsafeBufferPointer { flags in
                let tokens = missing.shape[1]
                return (0..<missing.shape[0]).map { row in (0..<tokens).contains { flags[row * tokens + $0] == 0 } }
            }
        }
        var total: Tensor?
        var pairTerms: [(name: String, value: Float)] = []
        for a in 0..<modalities.count {
            for b in (a + 1)..<modalities.count {
                let rows = (0..<context.batch.size).filter { present[a][$0] && present[b][$0] }
                guard rows.count >= 2 else { continue }
                let all = rows.count == context.batch.size
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
        let queries = projector(context.firstViewEmbedding())
        let keyView = context.second ?? context.first
        let keys = withNoGrad { targetProjector(targetEncoder.embed(keyView.patches, mask: keyView.missingTokens)) }.detached()
        let contrastive = ContrastiveLoss.subjectInfoNCE(queries: queries, keys: keys, subjects: context.batch.subjects,
                                                         temperature: temperature)
        var loss = contrastive.loss
        terms.append((spec.name, 0))
        let nameIndex = terms.count - 1
        terms.append(("\(spec.name).infonce", contrastive.loss.item))
        if koLeoWeight > 0 && context.batch.size >= 2 {
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
