import Foundation
import SensorNN
import SensorTensor

/// Contrastive losses and regularisers beyond SensorNN's NT-Xent and InfoNCE.
///
/// Legend: N windows, D embedding width.
public enum ContrastiveLoss {
    /// KoLeo (Sablayrolles et al., 2019, as in DINOv2): −mean_i log(‖z_i − z_nn(i)‖ + ε) over the
    /// L2-normalised rows z of `embeddings` [N ≥ 2, D], nn(i) the nearest other row. It grows as
    /// embeddings crowd together, so minimising it spreads them over the sphere. The neighbour
    /// choice is made without gradient; the distance itself is differentiable.
    public static func koLeo(_ embeddings: Tensor, epsilon: Float = 1e-8) -> Tensor {
        precondition(embeddings.rank == 2 && embeddings.shape[0] >= 2,
                     "koLeo: embeddings must be [N >= 2, D], got \(embeddings.shape)")
        let z = Loss.l2Normalized(embeddings)
        let neighbours = nearestNeighbours(z.detached())
        let difference = z - z.indexSelect(axis: 0, indices: neighbours)
        // √(‖d‖² + ε²) keeps the gradient finite for duplicate rows.
        let distance = (difference.squared().sum(axes: [1]) + epsilon * epsilon).sqrt()
        return -(distance + epsilon).log().mean()
    }

    /// Index of each row's nearest other row (Euclidean) in z [N, D].
    static func nearestNeighbours(_ z: Tensor) -> [Int] {
        let rows = z.shape[0], width = z.shape[1]
        var result = [Int](repeating: 0, count: rows)
        z.withUnsafeBufferPointer { values in
            for i in 0..<rows {
                var best = Float.infinity, bestIndex = i == 0 ? 1 : 0
                for j in 0..<rows where j != i {
                    var squared: Float = 0
                    for k in 0..<width {
                        let d = values[i * width + k] - values[j * width + k]
                        squared += d * d
                    }
                    if squared < best { best = squared; bestIndex = j }
                }
                result[i] = bestIndex
            }
        }
        return result
    }

    /// Multi-positive InfoNCE between `queries` [N, D] and `keys` [N, D] (both L2-normalised here):
    /// logits l = q·kᵀ/τ; the positives of query i are the keys j ≠ i of the same subject, or key i
    /// alone when no other window of that subject is in the batch. Loss_i = −log(Σ_{j∈P(i)} e^{l_ij}
    /// / Σ_j e^{l_ij}), averaged over i. Returns the loss and the mean positives per query.
    public static func subjectInfoNCE(queries: Tensor, keys: Tensor, subjects: [String],
                                      temperature: Float) -> (loss: Tensor, positivesPerQuery: Float) {
        precondition(queries.rank == 2 && queries.shape == keys.shape && subjects.count == queries.shape[0],
                     "subjectInfoNCE: queries \(queries.shape), keys \(keys.shape) must be [N, D] with N = \(subjects.count) subjects")
        precondition(temperature > 0, "subjectInfoNCE: temperature must be > 0, got \(temperature)")
        let rows = subjects.count
        var positive = [Float](repeating: 0, count: rows * rows)
        var positives = 0
        for i in 0..<rows {
            var count = 0
            for j in 0..<rows where j != i && subjects[j] == subjects[i] { positive[i * rows + j] = 1; count += 1 }
            if count == 0 { positive[i * rows + i] = 1; count = 1 }
            positives += count
            for j in 0..<rows { positive[i * rows + j] /= Float(count) }
        }
        let weights = Tensor(shape: [rows, rows], scalars: positive)
        let notPositive = Tensor(shape: [rows, rows], scalars: positive.map { $0 == 0 ? 1 : 0 })
        let logits = Loss.l2Normalized(queries).matmul(Loss.l2Normalized(keys), transposeB: true) / temperature
        // For any positive j: logSoftmax(positives only)_ij − logSoftmax(all)_ij = lse_all − lse_P,
        // exactly −log of the positive mass; averaging it over P(i) with weights 1/|P(i)| is stable.
        let perPair = logits.maskedFill(notPositive, value: -1e9).logSoftmax(axis: 1) - logits.logSoftmax(axis: 1)
        let loss = (weights * perPair).sum() / Float(rows)
        return (loss, Float(positives) / Float(rows))
    }

    /// CLIP's symmetric InfoNCE between two aligned batches a, b [N, D]: ½(InfoNCE(a→b) + InfoNCE(b→a)).
    public static func symmetricInfoNCE(_ a: Tensor, _ b: Tensor, temperature: Float) -> Tensor {
        (Loss.infoNCE(queries: a, keys: b, temperature: temperature)
            + Loss.infoNCE(queries: b, keys: a, temperature: temperature)) * 0.5
    }
}

/// Logged signs of representation collapse (no gradients).
public enum CollapseMonitor {
    /// Mean over dimensions of the per-dimension standard deviation (population) of the
    /// L2-normalised rows of `embeddings` [N, D]: 0 when collapsed to one point, about 1/√D when spread.
    public static func embeddingStandardDeviation(_ embeddings: Tensor) -> Float {
        let z = rowNormalized(embeddings)
        let rows = z.shape[0], width = z.shape[1]
        return z.withUnsafeBufferPointer { values in
            var total = 0.0
            for k in 0..<width {
                var sum = 0.0, sumOfSquares = 0.0
                for i in 0..<rows {
                    let value = Double(values[i * width + k])
                    sum += value
                    sumOfSquares += value * value
                }
                let mean = sum / Double(rows)
                total += max(sumOfSquares / Double(rows) - mean * mean, 0).squareRoot()
            }
            return Float(total / Double(width))
        }
    }

    /// Effective rank (Roy & Vetterli, 2007) of `matrix` [N, D]: exp(H(p)) with p_k = σ_k / Σσ the
    /// normalised singular values and H the Shannon entropy; 1 for rank one, n for an n×n identity.
    public static func effectiveRank(_ matrix: Tensor) -> Float {
        precondition(matrix.rank == 2, "effectiveRank: matrix must be [N, D], got \(matrix.shape)")
        let singular = LinearAlgebra.svd(matrix).s.scalars.map(Double.init)
        let sum = singular.reduce(0, +)
        guard sum > 0 else { return 0 }
        let entropy = singular.reduce(0.0) { total, value in
            let p = value / sum
            return p > 0 ? total - p * log(p) : total
        }
        return Float(exp(entropy))
    }

    /// Rows of x [N, D] over max(‖row‖, 1e-12), outside any graph.
    static func rowNormalized(_ x: Tensor) -> Tensor {
        withNoGrad { Loss.l2Normalized(x.detached()) }
    }
}
