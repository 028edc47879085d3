import Foundation

/// Counts of (true class, predicted class) pairs: `counts[truth][prediction]`.
public struct ConfusionMatrix: Sendable, Codable, Equatable {
    public var classNames: [String]
    public var counts: [[Int]]

    public init(classNames: [String], counts: [[Int]]) {
        precondition(counts.count == classNames.count && counts.allSatisfy { $0.count == classNames.count },
                     "ConfusionMatrix: counts must be \(classNames.count) × \(classNames.count)")
        self.classNames = classNames
        self.counts = counts
    }

    /// Tallies `truth` against `predictions` (both class indices in 0..<classNames.count).
    public init(truth: [Int], predictions: [Int], classNames: [String]) {
        precondition(truth.count == predictions.count,
                     "ConfusionMatrix: \(truth.count) true classes for \(predictions.count) predictions")
        let classes = classNames.count
        var counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predictions) {
            precondition((0..<classes).contains(t) && (0..<classes).contains(p),
                         "ConfusionMatrix: class pair (\(t), \(p)) outside 0..<\(classes)")
            counts[t][p] += 1
        }
        self.init(classNames: classNames, counts: counts)
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { counts.indices.reduce(0) { $0 + counts[$1][$1] } }
    func rowTotal(_ c: Int) -> Int { counts[c].reduce(0, +) }
    func columnTotal(_ c: Int) -> Int { counts.reduce(0) { $0 + $1[c] } }

    /// Fraction of windows classified correctly (nil for an empty matrix).
    public var accuracy: Double? { total > 0 ? Double(correct) / Double(total) : nil }

    /// Mean recall over the classes that occur in the truth (nil when none does).
    public var balancedAccuracy: Double? {
        let present = counts.indices.filter { rowTotal($0) > 0 }
        guard !present.isEmpty else { return nil }
        return present.reduce(0.0) { $0 + Double(counts[$1][$1]) / Double(rowTotal($1)) } / Double(present.count)
    }

    /// Mean F1 = 2TP / (2TP + FP + FN) over the classes that occur in the truth or the predictions
    /// (scikit-learn's label set); nil for an empty matrix.
    public var macroF1: Double? {
        let present = counts.indices.filter { rowTotal($0) > 0 || columnTotal($0) > 0 }
        guard !present.isEmpty else { return nil }
        let sum = present.reduce(0.0) { partial, c in
            let truePositives = Double(counts[c][c])
            let falsePositives = Double(columnTotal(c)) - truePositives, falseNegatives = Double(rowTotal(c)) - truePositives
            return partial + 2 * truePositives / (2 * truePositives + falsePositives + falseNegatives)
        }
        return sum / Double(present.count)
    }
}

/// Rank-based discrimination metrics.
public enum ClassificationMetrics {
    /// Area under the ROC curve of `scores` for the `positives`: the Mann–Whitney U of the positive
    /// scores divided by n₊·n₋, with tied scores given their average rank (so a tie counts ½).
    /// Nil when either group is empty.
    public static func auroc(scores: [Float], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "auroc: \(scores.count) scores for \(positives.count) labels")
        let positiveCount = positives.reduce(0) { $0 + ($1 ? 1 : 0) }, negativeCount = scores.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0, start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for k in start...end where positives[order[k]] { positiveRankSum += averageRank }
            start = end + 1
        }
        let u = positiveRankSum - Double(positiveCount) * Double(positiveCount + 1) / 2
        return u / (Double(positiveCount) * Double(negativeCount))
    }

    /// Mean one-vs-rest AUROC over the classes with both positive and negative windows.
    /// probabilities: [N · C] row-major class scores; truth: N class indices.
    public static func oneVersusRestAUROC(probabilities: [Float], truth: [Int], classCount: Int) -> Double? {
        precondition(probabilities.count == truth.count * classCount,
                     "oneVersusRestAUROC: \(probabilities.count) scores for \(truth.count) windows × \(classCount) classes")
        var areas: [Double] = []
        for c in 0..<classCount {
            let scores = truth.indices.map { probabilities[$0 * classCount + c] }
            if let area = auroc(scores: scores, positives: truth.map { $0 == c }) { areas.append(area) }
        }
        return areas.isEmpty ? nil : areas.reduce(0, +) / Double(areas.count)
    }
}
