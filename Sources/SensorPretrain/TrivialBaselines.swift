import Foundation
import SensorNN
import SensorTensor

/// What an objective's loss is worth against a model that ignores its input: the numbers validation
/// logs next to each loss, computed on the same batches and masks.
public enum TrivialBaseline {
    /// Per modality, the mean squared error of predicting every counted patch by the mean patch at its
    /// token position, estimated from the counted patches themselves: per position and value the
    /// sample variance with Bessel's correction, pooled (Σ (x − x̄)² / Σ (n − 1)), so that the estimate is
    /// unbiased for the error of the population's mean patch rather than biased low by 1/n (a fitted
    /// mean sees its own targets: 12 % low at batch 16 with half the tokens masked). Positions with
    /// fewer than two counted patches are skipped; nil when no position has two. Shapes as
    /// `ReconstructionLoss.maskedMeanSquaredError`: targets[m] [B, tokens_m, patchValues_m], weights[m]
    /// [B, tokens_m, 1] with 1 where a patch counts.
    ///
    /// Windows are z-scored one by one, so the zero patch is about the dataset's mean patch and scores
    /// about 1; the per-position mean also takes any shape common to all windows (a mean trend), so it
    /// is the stricter of the two baselines.
    public static func meanPatchSquaredError(targets: [Tensor], weights: [Tensor]) -> [Float?] {
        precondition(targets.count == weights.count, "meanPatchSquaredError: \(targets.count) targets, \(weights.count) weights")
        return zip(targets, weights).map { target, weight in
            precondition(target.rank == 3 && weight.shape == [target.shape[0], target.shape[1], 1],
                         "meanPatchSquaredError: target \(target.shape), weight \(weight.shape)")
            let rows = target.shape[0], tokens = target.shape[1], values = target.shape[2]
            return target.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    var squaredError = 0.0, degreesOfFreedom = 0
                    for token in 0..<tokens {
                        var count = 0.0
                        var sums = [Double](repeating: 0, count: values), squares = sums
                        for row in 0..<rows where w[row * tokens + token] > 0 {
                            count += 1
                            let base = (row * tokens + token) * values
                            for value in 0..<values {
                                let element = Double(x[base + value])
                                sums[value] += element
                                squares[value] += element * element
                            }
                        }
                        guard count >= 2 else { continue }
                        degreesOfFreedom += Int(count) - 1
                        // Σ (x − μ)² = Σ x² − (Σ x)² / n, per value of the patch.
                        for value in 0..<values { squaredError += max(squares[value] - sums[value] * sums[value] / count, 0) }
                    }
                    return degreesOfFreedom > 0 ? Float(squaredError / Double(degreesOfFreedom * values)) : nil
                }
            }
        }
    }

    /// Share of the 2N rows of `embeddings` [2N, D] (rows i and i + N are two views of one window)
    /// whose most cosine-similar other row is their partner: NT-Xent's retrieval task, top-1.
    public static func ntXentTopOneAccuracy(_ embeddings: Tensor) -> Float {
        precondition(embeddings.rank == 2 && embeddings.shape[0] >= 2 && embeddings.shape[0] % 2 == 0,
                     "ntXentTopOneAccuracy: embeddings must be [2N, D] with N >= 1, got \(embeddings.shape)")
        let rows = embeddings.shape[0], half = rows / 2
        let similarities = withNoGrad {
            let z = Loss.l2Normalized(embeddings.detached())
            return z.matmul(z, transposeB: true)
        }
        return similarities.withUnsafeBufferPointer { s in
            var correct = 0
            for row in 0..<rows {
                var best = -Float.infinity, bestColumn = -1
                for column in 0..<rows where column != row && s[row * rows + column] > best {
                    best = s[row * rows + column]
                    bestColumn = column
                }
                if bestColumn == (row + half) % rows { correct += 1 }
            }
            return Float(correct) / Float(rows)
        }
    }

    /// Top-1 accuracy of a uniformly random pick among the 2N − 1 candidates of each row.
    public static func ntXentChanceAccuracy(pairs: Int) -> Float { 1 / Float(2 * pairs - 1) }

    /// NT-Xent when every logit is equal (embeddings carrying no information): ln(2N − 1).
    public static func ntXentChanceLoss(pairs: Int) -> Float { Float(log(Double(2 * pairs - 1))) }
}
