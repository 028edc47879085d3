import Foundation
import Testing
@testable import SensorEval

@Suite struct EvalMetricTests {
    @Test func aurocOfKnownRankingIsMannWhitneyU() {
        // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered, U/(n₊n₋) = 3/4.
        #expect(approximately(ClassificationMetrics.auroc(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true]), 0.75))
        // A tie between a positive and a negative counts ½: (0.5 + 1 + 2)/4.
        #expect(approximately(ClassificationMetrics.auroc(scores: [0.5, 0.5, 0.2, 0.9], positives: [true, false, false, true]), 0.875))
        #expect(ClassificationMetrics.auroc(scores: [0.1, 0.2], positives: [true, true]) == nil)
    }

    @Test func oneVersusRestAveragesPerClassAreas() {
        // Three windows, perfectly ranked for every class.
        let probabilities: [Float] = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7]
        #expect(approximately(ClassificationMetrics.oneVersusRestAUROC(probabilities: probabilities, truth: [0, 1, 2], classCount: 3), 1))
    }

    @Test func confusionMatrixMetricsMatchHandValues() {
        let confusion = ConfusionMatrix(classNames: ["a", "b"], counts: [[3, 1], [2, 4]])
        #expect(approximately(confusion.accuracy, 0.7))
        #expect(approximately(confusion.balancedAccuracy, (3.0 / 4 + 4.0 / 6) / 2))
        // F1(a) = 6/9, F1(b) = 8/11.
        #expect(approximately(confusion.macroF1, (6.0 / 9 + 8.0 / 11) / 2))
        let tallied = ConfusionMatrix(truth: [0, 0, 1, 1, 1], predictions: [0, 1, 1, 1, 0], classNames: ["a", "b"])
        #expect(tallied.counts == [[1, 1], [1, 2]])
    }

    @Test func regressionMetricsMatchHandValues() {
        let predictions: [Float] = [10, 12, 14, 20], references: [Float] = [11, 11, 15, 17]
        #expect(approximately(RegressionMetrics.meanAbsoluteError(predictions: predictions, references: references), 1.5))
        #expect(approximately(RegressionMetrics.rootMeanSquaredError(predictions: predictions, references: references), 3.0.squareRoot()))
        // 11 / √(5 · 26)
        #expect(approximately(RegressionMetrics.pearson([1, 2, 3, 4], [2, 4, 5, 9]), 11 / 130.0.squareRoot()))
        #expect(RegressionMetrics.pearson([1, 1, 1], [1, 2, 3]) == nil)
    }

    @Test func blandAltmanOnFourPoints() throws {
        // Differences −1, 1, −1, 3: bias 0.5, sample variance 11/3.
        let agreement = try #require(BlandAltman(predictions: [10, 12, 14, 20], references: [11, 11, 15, 17]))
        let deviation = (11.0 / 3).squareRoot()
        #expect(approximately(agreement.bias, 0.5))
        #expect(approximately(agreement.standardDeviation, deviation))
        #expect(approximately(agreement.lowerLimit, 0.5 - 1.96 * deviation))
        #expect(approximately(agreement.upperLimit, 0.5 + 1.96 * deviation))
    }

    /// Windows of `subjects` subjects, each with its own offset, five windows each.
    private func subjectValues(_ subjects: Int) -> (subjects: [String], values: [Double]) {
        var names: [String] = [], values: [Double] = []
        for s in 0..<subjects {
            let offset = Double((s * 7919) % 13) / 13 - 0.5
            for w in 0..<5 { names.append("s\(s)"); values.append(offset + Double(w) * 0.01) }
        }
        return (names, values)
    }

    @Test func bootstrapIntervalContainsEstimateAndShrinksWithSubjects() throws {
        let bootstrap = SubjectBootstrap(resamples: 400, seed: 3)
        var widths: [Double] = []
        for count in [5, 40] {
            let (subjects, values) = subjectValues(count)
            let interval = try #require(bootstrap.interval(subjects: subjects) { positions in
                positions.reduce(0.0) { $0 + values[$1] } / Double(positions.count)
            })
            #expect(interval.lower <= interval.estimate && interval.estimate <= interval.upper)
            #expect(interval.resamples == 400)
            widths.append(interval.upper - interval.lower)
        }
        #expect(widths[1] < widths[0] * 0.6, "widths \(widths)")
    }

    @Test func pairedDifferenceOfConsistentlyBetterModelExcludesZero() throws {
        let (subjects, values) = subjectValues(12)
        let bootstrap = SubjectBootstrap(resamples: 300, seed: 1)
        func meanError(shift: Double) -> ([Int]) -> Double? {
            { positions in positions.reduce(0.0) { $0 + abs(values[$1]) + shift } / Double(positions.count) }
        }
        let difference = try #require(bootstrap.pairedDifference(subjects: subjects, first: meanError(shift: 0.2), second: meanError(shift: 0)))
        #expect(approximately(difference.estimate, 0.2, tolerance: 1e-9))
        #expect(difference.excludesZero)
        let same = try #require(bootstrap.pairedDifference(subjects: subjects, first: meanError(shift: 0), second: meanError(shift: 0)))
        #expect(!same.excludesZero)
    }

    @Test func quantileInterpolatesOrderStatistics() {
        #expect(SubjectBootstrap.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(SubjectBootstrap.quantile([1, 2, 3, 4], 0.25) == 1.75)
        #expect(SubjectBootstrap.quantile([], 0.5) == nil)
    }
}
