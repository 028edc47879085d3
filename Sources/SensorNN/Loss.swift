import SensorTensor

/// Training objectives as differentiable functions of tensors; each returns a scalar (mean
/// reduction unless stated) built from engine ops, so autograd gives its gradient.
///
/// Legend: N samples, C classes, D embedding width.
public enum Loss {
    /// Mean squared error, mean((prediction − target)²) over all elements; both of one shape.
    public static func mse(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        checkSameShape("mse", prediction, target)
        return (prediction - target).squared().mean()
    }

    /// Mean absolute error, mean|prediction − target| over all elements; both of one shape.
    public static func l1(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        checkSameShape("l1", prediction, target)
        return (prediction - target).abs().mean()
    }

    /// Huber loss (smooth L1 with threshold `delta`), mean over all elements; both of one shape:
    /// ½d² where |d| ≤ δ, δ(|d| − ½δ) elsewhere, d = prediction − target. Computed as
    /// ½q² + δ(|d| − q) with q = min(|d|, δ), which is the same function without a branch.
    public static func huber(_ prediction: Tensor, _ target: Tensor, delta: Float = 1) -> Tensor {
        checkSameShape("huber", prediction, target)
        precondition(delta > 0, "huber: delta must be > 0, got \(delta)")
        let magnitude = (prediction - target).abs()
        let quadratic = magnitude.clamped(max: delta)
        return (0.5 * quadratic.squared() + delta * (magnitude - quadratic)).mean()
    }

    /// Softmax cross-entropy of `logits` [N, C] against class indices `targets` (N values in 0..<C,
    /// or `ignoreIndex`), averaged over the non-ignored samples (0 when all are ignored).
    ///
    /// With label smoothing ε the target distribution is (1 − ε)·onehot + ε/C, as PyTorch's
    /// `cross_entropy(label_smoothing:)`. Computed as −Σ W ⊙ logSoftmax(logits) / count, where the
    /// constant W [N, C] holds each sample's target distribution (zero rows for ignored samples).
    public static func crossEntropy(_ logits: Tensor, targets: [Int], labelSmoothing: Float = 0,
                                    ignoreIndex: Int? = nil) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == targets.count,
                     "crossEntropy: logits \(logits.shape) must be [N, C] with N = \(targets.count) targets")
        precondition((0...1).contains(labelSmoothing), "crossEntropy: label smoothing must be in [0, 1], got \(labelSmoothing)")
        let classes = logits.shape[1]
        var weights = [Float](repeating: 0, count: logits.count)
        var counted = 0
        for (sample, target) in targets.enumerated() {
            if let ignoreIndex, target == ignoreIndex { continue }
            precondition((0..<classes).contains(target), "crossEntropy: target \(target) of sample \(sample) is outside 0..<\(classes)")
            counted += 1
            let row = sample * classes
            for c in 0..<classes { weights[row + c] = labelSmoothing / Float(classes) }
            weights[row + target] += 1 - labelSmoothing
        }
        let distribution = Tensor(shape: logits.shape, scalars: weights)
        return -(distribution * logits.logSoftmax(axis: 1)).sum() / Float(max(counted, 1))
    }

    /// Binary cross-entropy on logits x with targets y in [0, 1] (same shape), mean over elements,
    /// in the stable form max(x, 0) − x·y + log(1 + e^{−|x|}).
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor) -> Tensor {
        checkSameShape("binaryCrossEntropyWithLogits", logits, targets)
        return (logits.relu() - logits * targets + (1 + (-logits.abs()).exp()).log()).mean()
    }

    /// Cosine similarity of `a` and `b` along `axis`: a·b / (max(‖a‖, ε)·max(‖b‖, ε)); same shape in,
    /// that shape without `axis` out (a similarity, not a loss: use 1 − it as one).
    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, axis: Int = -1, epsilon: Float = 1e-8) -> Tensor {
        checkSameShape("cosineSimilarity", a, b)
        let axis = Shape.normalize(axis: axis, rank: a.rank, op: "cosineSimilarity")
        let normA = a.squared().sum(axes: [axis]).sqrt().clamped(min: epsilon)
        let normB = b.squared().sum(axes: [axis]).sqrt().clamped(min: epsilon)
        return (a * b).sum(axes: [axis]) / (normA * normB)
    }

    /// Distillation loss KL(softmax(t/T) ‖ softmax(s/T))·T² for teacher logits t and student logits
    /// s, both [N, C]: summed over classes, averaged over the N samples ("batchmean"). The T²
    /// keeps gradient magnitudes independent of T (Hinton, Vinyals & Dean, 2015).
    public static func klDivergence(student: Tensor, teacher: Tensor, temperature: Float = 1) -> Tensor {
        checkSameShape("klDivergence", student, teacher)
        precondition(student.rank == 2, "klDivergence: logits must be [N, C], got \(student.shape)")
        precondition(temperature > 0, "klDivergence: temperature must be > 0, got \(temperature)")
        let teacherLog = (teacher / temperature).logSoftmax(axis: 1)
        let studentLog = (student / temperature).logSoftmax(axis: 1)
        let perSample = (teacherLog.exp() * (teacherLog - studentLog)).sum()
        return perSample * (temperature * temperature / Float(student.shape[0]))
    }

    /// SimCLR's NT-Xent (Chen et al., 2020) over `embeddings` [2N, D], where rows i and i + N are
    /// the two views of one sample. Rows are L2-normalised here; each row's logits are its cosine
    /// similarities to the other 2N − 1 rows over `temperature`, and the loss is the
    /// cross-entropy of picking its positive, averaged over the 2N rows.
    public static func ntXent(_ embeddings: Tensor, temperature: Float) -> Tensor {
        precondition(embeddings.rank == 2 && embeddings.shape[0] >= 2 && embeddings.shape[0] % 2 == 0,
                     "ntXent: embeddings must be [2N, D] with N >= 1, got \(embeddings.shape)")
        precondition(temperature > 0, "ntXent: temperature must be > 0, got \(temperature)")
        let rows = embeddings.shape[0], half = rows / 2
        let z = l2Normalized(embeddings)
        let similarities = z.matmul(z, transposeB: true) / temperature
        // A finite fill (not −∞) keeps 0·logp = 0 in the cross-entropy for the masked diagonal.
        let logits = similarities.maskedFill(identity(rows), value: -1e9)
        return crossEntropy(logits, targets: (0..<rows).map { ($0 + half) % rows })
    }

    /// InfoNCE (van den Oord, Li & Vinyals, 2018) between `queries` [N, D] and `keys` [M ≥ N, D]:
    /// query i's positive is key i, every other key is a negative (extra keys beyond N are
    /// negatives only). Both are L2-normalised here; the logits are cosine similarities over
    /// `temperature`, and the loss is their cross-entropy averaged over the N queries.
    public static func infoNCE(queries: Tensor, keys: Tensor, temperature: Float) -> Tensor {
        precondition(queries.rank == 2 && keys.rank == 2 && queries.shape[1] == keys.shape[1] && keys.shape[0] >= queries.shape[0],
                     "infoNCE: queries \(queries.shape) and keys \(keys.shape) must be [N, D] and [M >= N, D]")
        precondition(temperature > 0, "infoNCE: temperature must be > 0, got \(temperature)")
        let logits = l2Normalized(queries).matmul(l2Normalized(keys), transposeB: true) / temperature
        return crossEntropy(logits, targets: Array(0..<queries.shape[0]))
    }

    /// Rows of x [N, D] divided by max(‖row‖, 1e-12), as PyTorch's `F.normalize`.
    public static func l2Normalized(_ x: Tensor) -> Tensor {
        x / x.squared().sum(axes: [1], keepDims: true).sqrt().clamped(min: 1e-12)
    }

    private static func identity(_ size: Int) -> Tensor {
        var values = [Float](repeating: 0, count: size * size)
        for i in 0..<size { values[i * size + i] = 1 }
        return Tensor(shape: [size, size], scalars: values)
    }

    private static func checkSameShape(_ op: String, _ a: Tensor, _ b: Tensor) {
        precondition(a.shape == b.shape, "\(op): shapes differ: \(a.shape) and \(b.shape)")
    }
}
