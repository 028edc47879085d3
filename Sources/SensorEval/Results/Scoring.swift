import Foundation

/// Scores predictions against a test set's targets with subject-bootstrap intervals, and compares
/// two models on the same windows.
public enum Scoring {
    /// The metric report of `predictions` (made for `targets.windowIndices`, in that order).
    public static func report(_ predictions: Predictions, targets: TaskTargets, bootstrap: SubjectBootstrap,
                              blandAltmanPointLimit: Int = 2000) -> MetricReport {
        let statistics = resampledStatistics(predictions, targets: targets, draws: bootstrap.draws(subjects: targets.subjects))
        return report(predictions, targets: targets, statistics: statistics, level: bootstrap.level,
                      blandAltmanPointLimit: blandAltmanPointLimit)
    }

    /// Every metric of the task on the full test set and on each resample of `draws`.
    public static func resampledStatistics(_ predictions: Predictions, targets: TaskTargets,
                                           draws: BootstrapDraws) -> [String: ResampledStatistic] {
        precondition(predictions.windowIndices == targets.windowIndices,
                     "Scoring: predictions for \(predictions.windowIndices.count) windows do not match the \(targets.count) targets")
        let scorer = ResampleScorer(predictions: predictions, targets: targets, draws: draws)
        var statistics: [String: ResampledStatistic] = [:]
        for metric in metricNames(targets.task.kind) {
            statistics[metric] = scorer.resampled(metric, predictions: predictions, targets: targets)
        }
        return statistics
    }

    /// The metric report from already resampled statistics (`resampledStatistics`), with intervals at `level`.
    public static func report(_ predictions: Predictions, targets: TaskTargets, statistics: [String: ResampledStatistic], level: Double,
                              blandAltmanPointLimit: Int = 2000) -> MetricReport {
        precondition(predictions.windowIndices == targets.windowIndices,
                     "Scoring.report: predictions for \(predictions.windowIndices.count) windows do not match the \(targets.count) targets")
        func interval(_ metric: String) -> ConfidenceInterval? { statistics[metric]?.interval(level: level) }
        var report = MetricReport(testWindows: targets.count, testSubjects: Set(targets.subjects).count)
        switch targets.task.kind {
        case .classification:
            report.classification = ClassificationReport(
                accuracy: interval("accuracy"), balancedAccuracy: interval("balanced_accuracy"), macroF1: interval("macro_f1"),
                auroc: interval("auroc"),
                confusion: ConfusionMatrix(truth: targets.classes, predictions: predictions.classes, classNames: targets.task.classNames))
        case .regression:
            report.regression = RegressionReport(
                meanAbsoluteError: interval("mae"), rootMeanSquaredError: interval("rmse"), pearson: interval("pearson"),
                blandAltman: BlandAltman(predictions: predictions.values, references: targets.values),
                blandAltmanPoints: RegressionMetrics.blandAltmanPoints(predictions: predictions.values, references: targets.values,
                                                                       subjects: targets.subjects, limit: blandAltmanPointLimit))
        }
        return report
    }

    /// The metric names `statistic` knows for a task kind.
    public static func metricNames(_ kind: TaskKind) -> [String] {
        kind == .classification ? ["accuracy", "balanced_accuracy", "macro_f1", "auroc"] : ["mae", "rmse", "pearson"]
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
