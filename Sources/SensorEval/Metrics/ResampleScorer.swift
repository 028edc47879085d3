import Foundation

/// One model's predictions on a test set reduced to per-subject sums, so the metrics of a
/// bootstrap resample follow from its subject multiplicities (`BootstrapDraws`) without building
/// the window multiset: O(subjects) per resample for the confusion-matrix metrics and the
/// regression errors, O(windows) for AUROC (one sort per class, then a weighted sweep).
///
/// The resample values are the same quantities `Scoring.statistic` computes on the multiset:
/// confusion counts and the Mann–Whitney U of AUROC are exact integers (or halves) either way, so
/// the classification metrics are bit-identical; MAE, RMSE and Pearson r differ only by the order of
/// floating-point sums (relative 1e-12 or less).
public struct ResampleScorer {
    public let task: TaskSpec
    public let draws: BootstrapDraws
    private let subjectCount: Int
    /// subjects × C × C confusion counts (classification).
    private var confusion: [Int] = []
    /// Per class, the windows sorted by that class's probability with their tie groups (classification).
    private var rankings: [ClassRanking] = []
    /// subjects × `RegressionSums.width` (regression).
    private var sums: [Double] = []

    /// Windows sorted by one class's score: each one's subject and whether it is of the class, and
    /// where each run of tied scores starts (plus the end).
    private struct ClassRanking {
        var subject: [Int]
        var positive: [Bool]
        var groupStarts: [Int]
    }

    private enum RegressionSums {
        static let width = 8
        static let (count, absolute, squared, x, y, xx, yy, xy) = (0, 1, 2, 3, 4, 5, 6, 7)
    }

    /// - Parameter draws: the resamples of `targets.subjects` (the test set `predictions` were made for).
    public init(predictions: Predictions, targets: TaskTargets, draws: BootstrapDraws) {
        precondition(predictions.windowIndices == targets.windowIndices && draws.subjectIndex.count == targets.count,
                     "ResampleScorer: predictions, targets and draws must cover the same windows")
        task = targets.task
        self.draws = draws
        subjectCount = draws.subjects.count
        switch task.kind {
        case .classification:
            let classes = task.classCount
            confusion = [Int](repeating: 0, count: subjectCount * classes * classes)
            for position in 0..<targets.count {
                confusion[(draws.subjectIndex[position] * classes + targets.classes[position]) * classes + predictions.classes[position]] += 1
            }
            rankings = (0..<classes).map { c in
                let order = (0..<targets.count).sorted {
                    predictions.probabilities[$0 * classes + c] < predictions.probabilities[$1 * classes + c]
                }
                var starts: [Int] = []
                for (k, position) in order.enumerated()
                where k == 0 || predictions.probabilities[position * classes + c] != predictions.probabilities[order[k - 1] * classes + c] {
                    starts.append(k)
                }
                starts.append(order.count)
                return ClassRanking(subject: order.map { draws.subjectIndex[$0] }, positive: order.map { targets.classes[$0] == c },
                                    groupStarts: starts)
            }
        case .regression:
            // Centred on the full-set means so the Pearson sums do not cancel.
            let n = Double(targets.count)
            let meanX = predictions.values.reduce(0.0) { $0 + Double($1) } / n, meanY = targets.values.reduce(0.0) { $0 + Double($1) } / n
            sums = [Double](repeating: 0, count: subjectCount * RegressionSums.width)
            for position in 0..<targets.count {
                let base = draws.subjectIndex[position] * RegressionSums.width
                let x = Double(predictions.values[position]), y = Double(targets.values[position]), error = x - y
                let dx = x - meanX, dy = y - meanY
                sums[base + RegressionSums.count] += 1
                sums[base + RegressionSums.absolute] += abs(error)
                sums[base + RegressionSums.squared] += error * error
                sums[base + RegressionSums.x] += dx
                sums[base + RegressionSums.y] += dy
                sums[base + RegressionSums.xx] += dx * dx
                sums[base + RegressionSums.yy] += dy * dy
                sums[base + RegressionSums.xy] += dx * dy
            }
        }
    }

    /// `metric` (a name of `Scoring.metricNames`) on resample `resample` of the draws; nil where undefined.
    public func statistic(_ metric: String, resample: Int) -> Double? {
        let weights = Array(draws.counts(resample).map(Int.init))
        switch metric {
        case "accuracy", "balanced_accuracy", "macro_f1":
            let matrix = resampledConfusion(weights)
            return metric == "accuracy" ? matrix.accuracy : metric == "macro_f1" ? matrix.macroF1 : matrix.balancedAccuracy
        case "auroc":
            let areas = rankings.compactMap { area($0, weights) }
            return areas.isEmpty ? nil : areas.reduce(0, +) / Double(areas.count)
        case "mae", "rmse", "pearson":
            var total = [Double](repeating: 0, count: RegressionSums.width)
            for subject in 0..<subjectCount where weights[subject] > 0 {
                let w = Double(weights[subject]), base = subject * RegressionSums.width
                for k in 0..<RegressionSums.width { total[k] += w * sums[base + k] }
            }
            let n = total[RegressionSums.count]
            switch metric {
            case "mae": return n > 0 ? total[RegressionSums.absolute] / n : nil
            case "rmse": return n > 0 ? (total[RegressionSums.squared] / n).squareRoot() : nil
            default:
                guard n >= 2 else { return nil }
                let (sx, sy) = (total[RegressionSums.x], total[RegressionSums.y])
                let covariance = total[RegressionSums.xy] - sx * sy / n
                let varianceX = total[RegressionSums.xx] - sx * sx / n, varianceY = total[RegressionSums.yy] - sy * sy / n
                // Relative to the raw sums: a constant series leaves only rounding behind.
                guard varianceX > 1e-12 * total[RegressionSums.xx], varianceY > 1e-12 * total[RegressionSums.yy],
                      varianceX > 0, varianceY > 0 else { return nil }
                return covariance / (varianceX * varianceY).squareRoot()
            }
        default:
            preconditionFailure("ResampleScorer: unknown metric \(metric) (known: \(Scoring.metricNames(task.kind)))")
        }
    }

    /// The full-set estimate (`Scoring.statistic` on every window) and every resample's value.
    public func resampled(_ metric: String, predictions: Predictions, targets: TaskTargets) -> ResampledStatistic {
        ResampledStatistic(estimate: Scoring.statistic(metric, predictions, targets, Array(0..<targets.count)),
                           values: (0..<draws.resamples).map { statistic(metric, resample: $0) })
    }

    private func resampledConfusion(_ weights: [Int]) -> ConfusionMatrix {
        let classes = task.classCount
        var counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for subject in 0..<subjectCount where weights[subject] > 0 {
            let base = subject * classes * classes
            for t in 0..<classes {
                for p in 0..<classes { counts[t][p] += weights[subject] * confusion[base + t * classes + p] }
            }
        }
        return ConfusionMatrix(classNames: task.classNames, counts: counts)
    }

    /// Weighted Mann–Whitney U / (n₊ n₋): each positive counts the negatives scored below it and half
    /// the tied ones, with every window weighted by its subject's multiplicity.
    private func area(_ ranking: ClassRanking, _ weights: [Int]) -> Double? {
        var u = 0.0, negativesBelow = 0, positives = 0
        for group in 0..<(ranking.groupStarts.count - 1) {
            var groupPositives = 0, groupNegatives = 0
            for k in ranking.groupStarts[group]..<ranking.groupStarts[group + 1] {
                let w = weights[ranking.subject[k]]
                if ranking.positive[k] { groupPositives += w } else { groupNegatives += w }
            }
            if groupPositives > 0 { u += Double(groupPositives) * (Double(negativesBelow) + 0.5 * Double(groupNegatives)) }
            negativesBelow += groupNegatives
            positives += groupPositives
        }
        let negatives = negativesBelow
        guard positives > 0, negatives > 0 else { return nil }
        return u / (Double(positives) * Double(negatives))
    }
}
