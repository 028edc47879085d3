import SensorNN
import SensorTensor

/// Masked reconstruction under any `MaskingStrategy`: the encoder sees mask tokens at the masked and
/// missing tokens; one linear head per modality maps token features back to patches; the loss is
/// the mean squared error over the values of masked patches that hold data.
final class ReconstructionObjective: PretrainingObjective {
    let heads: [Linear]
    let masking: MaskingStrategy

    init(spec: ObjectiveSpec, masking: MaskingStrategy, encoder: any Encoder, generator: inout RandomGenerator) {
        self.masking = masking
        heads = encoder.layout.modalities.map {
            Linear(inputDimensions: encoder.dimensions, outputDimensions: $0.patchValues, generator: &generator)
        }
        super.init(spec: spec)
    }

    override func loss(_ context: ObjectiveContext, generator: inout RandomGenerator,
                       terms: inout [(name: String, value: Float)]) -> Tensor {
        let layout = context.encoder.layout, view = context.first
        let hidden = TokenMasking.masks(masking, layout: layout, batch: context.batch.size, shard: context.batch.shard,
                                        generator: &generator)
        // The encoder hides masked and missing tokens; the loss counts masked tokens that hold data.
        let encoderMask = view.hasMissing
            ? zip(hidden, view.missing).map { ($0 + $1).clamped(max: 1) } : hidden
        let lossWeights = view.hasMissing
            ? zip(hidden, view.missing).map { $0 * (1 - $1) } : hidden
        let encoded = context.encoder.tokens(view.patches, mask: Tensor.concatenate(encoderMask, axis: 1))
        let predictions = zip(heads, zip(layout.tokenOffsets, layout.modalities)).map { head, placement in
            head(encoded.sliced(axis: 1, range: placement.0..<(placement.0 + placement.1.tokenCount)))
        }
        let result = ReconstructionLoss.maskedMeanSquaredError(predictions: predictions, targets: view.patches, weights: lossWeights)
        let total = Self.globalMean(result.total, weights: lossWeights, patchValues: layout.modalities.map(\.patchValues),
                                    exchange: context.batch.exchange)
        terms.append((spec.name, total.item))
        for (modality, value) in zip(layout.modalities, result.perModality) {
            if let value { terms.append(("\(spec.name).\(modality.name)", value)) }
        }
        if !isTraining { appendBaselines(layout: layout, targets: view.patches, weights: lossWeights, terms: &terms) }
        return total
    }

    /// Under data parallelism the ranks may count different numbers of values (missing patches, modality
    /// masking), and the gradient averager gives each rank's loss the same weight. Rescaling the local
    /// mean Σ_r / n_r to N · Σ_r / Σ_ranks n makes the ranks' average the global mean Σ / Σ n, as in one
    /// process. Without an exchange (or with equal counts) the factor is 1.
    static func globalMean(_ local: Tensor, weights: [Tensor], patchValues: [Int], exchange: (any RowExchange)?) -> Tensor {
        guard let exchange, exchange.size > 1 else { return local }
        let counted = zip(weights, patchValues).reduce(Float(0)) { total, pair in
            total + pair.0.withUnsafeBufferPointer { $0.reduce(0, +) } * Float(pair.1)
        }
        let all = GlobalBatch.gather([counted], exchange: exchange)
        let global = all.reduce(0, +)
        guard counted > 0, global > 0, all.contains(where: { $0 != counted }) else { return local }
        return local * (counted * Float(exchange.size) / global)
    }

    /// In evaluation: "baseline.NAME" (over all counted values, weighted as the loss is) and
    /// "baseline.NAME.MODALITY", the mean-patch MSE on the very patches the loss scored.
    private func appendBaselines(layout: PatchLayout, targets: [Tensor], weights: [Tensor],
                                 terms: inout [(name: String, value: Float)]) {
        let baselines = TrivialBaseline.meanPatchSquaredError(targets: targets, weights: weights)
        var weightedSum = 0.0, values = 0.0
        for (baseline, (target, weight)) in zip(baselines, zip(targets, weights)) {
            guard let baseline else { continue }
            let counted = Double(weight.withUnsafeBufferPointer { $0.reduce(0, +) }) * Double(target.shape[2])
            weightedSum += Double(baseline) * counted
            values += counted
        }
        guard values > 0 else { return }
        terms.append(("baseline.\(spec.name)", Float(weightedSum / values)))
        for (modality, baseline) in zip(layout.modalities, baselines) {
            if let baseline { terms.append(("baseline.\(spec.name).\(modality.name)", baseline)) }
        }
    }
}

/// The masked reconstruction loss as a function of predictions, targets and token weights.
public enum ReconstructionLoss {
    /// predictions[m], targets[m]: [B, tokens_m, patchValues_m]; weights[m]: [B, tokens_m, 1] with 1
    /// at the patches that count. Returns Σ weighted squared error / counted values (0 when nothing
    /// counts) and per modality its own mean (nil when none of its patches counts). Unweighted
    /// patches do not influence the result or its gradient.
    public static func maskedMeanSquaredError(predictions: [Tensor], targets: [Tensor],
                                              weights: [Tensor]) -> (total: Tensor, perModality: [Float?]) {
        precondition(predictions.count == targets.count && targets.count == weights.count,
                     "maskedMeanSquaredError: \(predictions.count) predictions, \(targets.count) targets, \(weights.count) weights")
        var total: Tensor?
        var valueCount = 0
        var perModality: [Float?] = []
        for (prediction, (target, weight)) in zip(predictions, zip(targets, weights)) {
            precondition(prediction.shape == target.shape && weight.shape == Array(target.shape.dropLast()) + [1],
                         "maskedMeanSquaredError: prediction \(prediction.shape), target \(target.shape), weight \(weight.shape)")
            let counted = Int(weight.withUnsafeBufferPointer { $0.reduce(0, +) }) * target.shape[2]
            guard counted > 0 else { perModality.append(nil); continue }
            // Where-select (not multiply) so a non-finite value at an uncounted patch cannot leak in.
            let error = Tensor.where(weight, (prediction - target).squared(), Tensor(0)).sum()
            perModality.append(error.item / Float(counted))
            valueCount += counted
            total = total.map { $0 + error } ?? error
        }
        guard let total else { return (Tensor(0), perModality) }
        return (total / Float(valueCount), perModality)
    }
}
