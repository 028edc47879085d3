import Foundation

/// Scores predictions against a test set's targets with subject-bootstrap intervals, and compares
/// two models on the same windows.
public enum Scoring {
    /// The metric report of `predictions` (made for `targets.windowIndices`, in that order).
    public static func report(_ predictions: Predictions, targets: TaskTargets, bootstrap: SubjectBootstrap,
                              blandAltmanPointLimit: Int = 2000) -> MetricReport {
        precondition(predictions.windowIndices == targets.windowIndices,
                     "Scoring.report: predictions for \(predictions.windowIndices.count) windows do not match the \(targets.count) targets")
        let subjects = targets.subjects
        var report = MetricReport(testWindows: targets.count, testSubjects: Set(subjects).count)
        switch targets.task.kind {
        case .classification:
            let names = targets.task.classNames
            report.classification = ClassificationReport(
                accuracy: bootstrap.interval(subjects: subjects) { statistic("accuracy", predictions, targets, $0) },
                balancedAccuracy: bootstrap.interval(subjects: subjects) { statistic("balanced_accuracy", predictions, targets, $0) },
                macroF1: bootstrap.interval(subjects: subjects) { statistic("macro_f1", predictions, targets, $0) },
                auroc: bootstrap.interval(subjects: subjects) { statistic("auroc", predictions, targets, $0) },
                confusion: ConfusionMatrix(truth: targets.classes, predictions: predictions.classes, classNames: names))
        case .regression:
            report.regression = RegressionReport(
                meanAbsoluteError: bootstrap.interval(subjects: subjects) { statistic("mae", predictions, targets, $0) },
                rootMeanSquaredError: bootstrap.interval(subjects: subjects) { statistic("rmse", predictions, targets, $0) },
                pearson: bootstrap.interval(subjects: subjects) { statistic("pearson", predictions, targets, $0) },
                blandAltman: BlandAltman(predictions: predictions.values, references: targets.values),
                blandAltmanPoints: RegressionMetrics.blandAltmanPoints(predictions: predictions.values, references: targets.values,
                                                                       subjects: subjects, limit: blandAltmanPointLimit))
        }
        return report
    }

    /// The metric names `statistic` knows for a task kind.
    public static func metricNames(_ kind: TaskKind) -> [String] {
        kind == .classification ? ["accuracy", "balanced_accuracy", "macro_f1", "auroc"] : ["mae", "rmse", "pearson"]
    }

    /// The paired bootstrap CI of metric(first) − metric(second) over the same test subjects.
    public static func pairedDifference(metric: String, first: Predictions, second: Predictions, targets: TaskTargets,
                                        bootstrap: SubjectBootstrap) -> ConfidenceInterval? {
        bootstrap.pairedDifference(subjects: targets.subjects,
                                   first: { statistic(metric, first, targets, $0) },
                                   second: { statistic(metric, second, targets, $0) })
    }

    /// The paired bootstrap CI of mean over seeds of metric(first) − mean of metric(second): each
    /// resample draws the test subjects once and scores every seed's model on them (nil if a
    /// seed's metric is undefined there).
    public static func pooledPairedDifference(metric: String, first: [Predictions], second: [Predictions], targets: TaskTargets,
                                              bootstrap: SubjectBootstrap) -> ConfidenceInterval? {
        precondition(!first.isEmpty && !second.isEmpty, "Scoring.pooledPairedDifference: both sides need at least one model")
        func mean(_ models: [Predictions], _ positions: [Int]) -> Double? {
            var total = 0.0
            for model in models {
                guard let value = statistic(metric, model, targets, positions) else { return nil }
                total += value
            }
            return total / Double(models.count)
        }
        return bootstrap.pairedDifference(subjects: targets.subjects, first: { mean(first, $0) }, second: { mean(second, $0) })
    }

    /// One named metric on the windows at `positions` (a bootstrap multiset); nil where undefined.
    public static func statistic(_ metric: String, _ predictions: Predictions, _ targets: TaskTargets, _ positions: [Int]) -> Double? {
        switch metric {
        case "accuracy", "balanced_accuracy", "macro_f1":
            let confusion = ConfusionMatrix(truth: positions.map { targets.classes[$0] }, predictions: positions.map { predictions.classes[$0] },
                                            classNames: targets.task.classNames)
            return metric == "accuracy" ? confusion.accuracy : metric == "macro_f1" ? confusion.macroF1 : confusion.balancedAccuracy
        case "auroc":
            let classCount = targets.task.classCount
            var scores: [Float] = []
            scores.reserveCapacity(positions.count * classCount)
            for p in positions { scores.append(contentsOf: predictions.probabilities[(p * classCount)..<((p + 1) * classCount)]) }
            return ClassificationMetrics.oneVersusRestAUROC(probabilities: scores, truth: positions.map { targets.classes[$0] },
                                                            classCount: classCount)
        case "mae", "rmse", "pearson":
            let predicted = positions.map { predictions.values[$0] }, truth = positions.map { targets.values[$0] }
            return metric == "mae" ? RegressionMetrics.meanAbsoluteError(predictions: predicted, references: truth)
                : metric == "rmse" ? RegressionMetrics.rootMeanSquaredError(predictions: predicted, references: truth)
                : RegressionMetrics.pearson(predicted, truth)
        default:
            preconditionFailure("Scoring.statistic: unknown metric \(metric) (known: \(metricNames(.classification) + metricNames(.regression)))")
        }
    }
}
