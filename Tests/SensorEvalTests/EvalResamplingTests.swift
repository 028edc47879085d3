import Foundation
import Testing
@testable import SensorData
@testable import SensorEval
import SensorTensor

/// The shared-draw bootstrap (`BootstrapDraws` + `ResampleScorer`) against the window-multiset
/// reference (`SubjectBootstrap.interval` rebuilding each resample's window list and rescoring it
/// with `Scoring.statistic`), and the seed-mean interval of the label-efficiency curves against an
/// independent resampling loop.
@Suite struct EvalResamplingTests {
    private let classes = TaskSpec(name: "activity", label: "activity", kind: .classification, classNames: ["a", "b", "c"])
    private let rate = TaskSpec(name: "heart_rate", label: "heart_rate", kind: .regression, unit: "bpm")

    /// Uneven subjects (3 to 12 windows), three classes, heart rates around 60–100.
    private func targets(_ task: TaskSpec, subjects: Int = 9) throws -> TaskTargets {
        var set = makeWindowSet(samples: 4, classNames: classes.classNames)
        var generator = RandomGenerator(seed: 5)
        for s in 0..<subjects {
            for _ in 0..<(3 + (s * 5) % 10) {
                set.appendTestWindow([0, 1, 0, -1], subject: "s\(s)", classIndex: Int64(generator.nextInt(below: 3)),
                                     value: 60 + 40 * generator.nextUniform())
            }
        }
        return try TaskTargets(task: task, windows: set)
    }

    /// A model's outputs: probabilities with ties (quantised to tenths) and a class per window, or values
    /// near the truth with a per-subject bias.
    private func predictions(for targets: TaskTargets, seed: UInt64) -> Predictions {
        var generator = RandomGenerator(seed: seed)
        let n = targets.count
        switch targets.task.kind {
        case .classification:
            var probabilities: [Float] = [], predicted: [Int] = []
            for position in 0..<n {
                var row = (0..<3).map { c in Float((c == targets.classes[position] ? 4 : 1) + generator.nextInt(below: 4)) }
                let total = row.reduce(0, +)
                row = row.map { ($0 / total * 10).rounded() / 10 }
                probabilities += row
                predicted.append(row.indices.max { row[$0] < row[$1] }!)
            }
            return Predictions(task: targets.task, windowIndices: targets.windowIndices, subjects: targets.subjects, classes: predicted,
                               probabilities: probabilities)
        case .regression:
            let values = (0..<n).map { position -> Float in
                let bias = Float(Int(targets.subjects[position].dropFirst())! % 3) * 2
                return targets.values[position] + bias + 6 * (generator.nextUniform() - 0.5)
            }
            return Predictions(task: targets.task, windowIndices: targets.windowIndices, subjects: targets.subjects, values: values)
        }
    }

    @Test func sharedDrawsGiveTheMultisetBootstrapIntervals() throws {
        let bootstrap = SubjectBootstrap(resamples: 300, seed: 7)
        for task in [classes, rate] {
            let test = try targets(task), model = predictions(for: test, seed: 1)
            let fast = Scoring.resampledStatistics(model, targets: test, draws: bootstrap.draws(subjects: test.subjects))
            for metric in Scoring.metricNames(task.kind) {
                let reference = try #require(bootstrap.interval(subjects: test.subjects) { Scoring.statistic(metric, model, test, $0) })
                let interval = try #require(fast[metric]?.interval(level: bootstrap.level))
                if task.kind == .classification {
                    // Confusion counts and Mann–Whitney U are exact either way.
                    #expect(interval == reference, "\(metric): \(interval) vs \(reference)")
                } else {
                    #expect(interval.estimate == reference.estimate && interval.resamples == reference.resamples, "\(metric)")
                    #expect(abs(interval.lower - reference.lower) <= 1e-9 * max(1, abs(reference.lower)), "\(metric) lower")
                    #expect(abs(interval.upper - reference.upper) <= 1e-9 * max(1, abs(reference.upper)), "\(metric) upper")
                }
            }
        }
    }

    @Test func pairedDifferenceOfSeedMeansMatchesTheMultisetReference() throws {
        let bootstrap = SubjectBootstrap(resamples: 250, seed: 3)
        let test = try targets(rate), draws = bootstrap.draws(subjects: test.subjects)
        let ours = [predictions(for: test, seed: 10), predictions(for: test, seed: 11)]
        let theirs = [predictions(for: test, seed: 20), predictions(for: test, seed: 21)]
        func seedMean(_ models: [Predictions]) -> ([Int]) -> Double? {
            { positions in
                models.reduce(0.0) { $0 + Scoring.statistic("mae", $1, test, positions)! } / Double(models.count)
            }
        }
        let reference = try #require(bootstrap.pairedDifference(subjects: test.subjects, first: seedMean(ours), second: seedMean(theirs)))
        let mean = { (models: [Predictions]) in
            ResampledStatistic.mean(models.map { Scoring.resampledStatistics($0, targets: test, draws: draws)["mae"]! })
        }
        let difference = try #require((mean(ours) - mean(theirs)).interval(level: bootstrap.level))
        #expect(difference.estimate == reference.estimate)
        #expect(abs(difference.lower - reference.lower) <= 1e-9 && abs(difference.upper - reference.upper) <= 1e-9,
                "\(difference) vs \(reference)")
    }

    /// Two seeds that each get a different half of the subjects wrong: each seed's accuracy varies a
    /// lot between resamples, their mean hardly at all. The plotted band must be the interval of that
    /// mean (here from an independent loop over the same draws), which is much narrower than the mean of
    /// the seeds' own bounds.
    @Test func seedMeanIntervalIsTheBootstrapOfTheMeanNotTheMeanOfTheBounds() throws {
        let bootstrap = SubjectBootstrap(resamples: 400, seed: 1)
        let test = try targets(classes, subjects: 12)
        let draws = bootstrap.draws(subjects: test.subjects)
        func seed(wrongOnEvenSubjects: Bool) -> Predictions {
            let predicted = (0..<test.count).map { position -> Int in
                let even = Int(test.subjects[position].dropFirst())! % 2 == 0
                return even == wrongOnEvenSubjects ? (test.classes[position] + 1) % 3 : test.classes[position]
            }
            let probabilities = predicted.flatMap { c in (0..<3).map { $0 == c ? Float(0.8) : 0.1 } }
            return Predictions(task: classes, windowIndices: test.windowIndices, subjects: test.subjects, classes: predicted,
                               probabilities: probabilities)
        }
        let seeds = [seed(wrongOnEvenSubjects: true), seed(wrongOnEvenSubjects: false)]
        let perSeed = seeds.map { Scoring.resampledStatistics($0, targets: test, draws: draws)["accuracy"]! }
        let band = try #require(ResampledStatistic.mean(perSeed).interval(level: bootstrap.level))

        // Independent: draw each resample's subjects with the bootstrap's generator and score the windows directly.
        let names = Array(Set(test.subjects)).sorted()
        var generator = RandomGenerator(seed: bootstrap.seed), values: [Double] = []
        for _ in 0..<bootstrap.resamples {
            var correct = [0.0, 0.0], total = 0.0
            for _ in names.indices {
                let subject = names[generator.nextInt(below: names.count)]
                for position in 0..<test.count where test.subjects[position] == subject {
                    total += 1
                    for (k, model) in seeds.enumerated() where model.classes[position] == test.classes[position] { correct[k] += 1 }
                }
            }
            values.append((correct[0] / total + correct[1] / total) / 2)
        }
        values.sort()
        let lower = SubjectBootstrap.quantile(values, 0.025)!, upper = SubjectBootstrap.quantile(values, 0.975)!
        #expect(abs(band.lower - lower) <= 1e-12 && abs(band.upper - upper) <= 1e-12, "\(band) vs [\(lower), \(upper)]")

        let bounds = perSeed.map { $0.interval(level: bootstrap.level)! }
        let meanOfBounds = (bounds.map(\.upper).reduce(0, +) - bounds.map(\.lower).reduce(0, +)) / 2
        #expect(band.upper - band.lower < 0.5 * meanOfBounds, "band \(band), mean of per-seed widths \(meanOfBounds)")
    }

    @Test func drawsCountEverySubjectDrawOnce() {
        let bootstrap = SubjectBootstrap(resamples: 50, seed: 2)
        let subjects = ["b", "a", "a", "c", "b", "b"]
        let draws = bootstrap.draws(subjects: subjects)
        #expect(draws.subjects == ["a", "b", "c"])
        #expect(draws.subjectIndex == [1, 0, 0, 2, 1, 1])
        for r in 0..<draws.resamples { #expect(draws.counts(r).reduce(0, +) == 3) }
    }
}
