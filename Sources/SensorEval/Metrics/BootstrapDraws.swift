import Foundation
import SensorTensor

/// The subject multiplicities of every resample of a `SubjectBootstrap` over one test set.
///
/// `SubjectBootstrap.interval(subjects:statistic:)` hands its statistic a multiset of window
/// positions, which costs a copy and a rescan of every window per resample and per metric. The
/// draws depend only on the subjects and the bootstrap seed, so they are drawn once here (with
/// exactly the same generator calls, hence the same resamples) and every model and metric on that
/// test set is scored on them from per-subject sums (`ResampleScorer`).
public struct BootstrapDraws: Sendable {
    /// The distinct subjects, sorted (the order `SubjectBootstrap` draws from).
    public let subjects: [String]
    /// Index into `subjects` of each window position.
    public let subjectIndex: [Int]
    public let resamples: Int
    /// resamples × subjects: how often each subject was drawn.
    private let counts: [Int32]

    init(subjects windowSubjects: [String], bootstrap: SubjectBootstrap) {
        let names = Array(Set(windowSubjects)).sorted()
        let lookup = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        subjects = names
        subjectIndex = windowSubjects.map { lookup[$0]! }
        resamples = bootstrap.resamples
        var counts = [Int32](repeating: 0, count: bootstrap.resamples * names.count)
        var generator = RandomGenerator(seed: bootstrap.seed)
        for resample in 0..<bootstrap.resamples {
            for _ in names.indices { counts[resample * names.count + generator.nextInt(below: names.count)] += 1 }
        }
        self.counts = counts
    }

    /// The multiplicity of each subject in resample `resample`.
    public func counts(_ resample: Int) -> ArraySlice<Int32> {
        counts[(resample * subjects.count)..<((resample + 1) * subjects.count)]
    }
}

/// A statistic on the full test set and on every resample of one `BootstrapDraws` (nil where it is
/// undefined), so intervals, paired differences and seed means are combined without rescoring.
public struct ResampledStatistic: Sendable, Equatable {
    public var estimate: Double?
    public var values: [Double?]

    public init(estimate: Double?, values: [Double?]) {
        self.estimate = estimate
        self.values = values
    }

    /// The mean over `statistics` (same draws) on the full set and per resample; nil wherever any is nil.
    /// Sums in the order given, as the per-seed mean of the estimates.
    public static func mean(_ statistics: [ResampledStatistic]) -> ResampledStatistic {
        precondition(!statistics.isEmpty && Set(statistics.map(\.values.count)).count == 1,
                     "ResampledStatistic.mean: needs statistics over the same resamples")
        func average(_ items: [Double?]) -> Double? {
            var total = 0.0
            for item in items {
                guard let item else { return nil }
                total += item
            }
            return total / Double(items.count)
        }
        return ResampledStatistic(estimate: average(statistics.map(\.estimate)),
                                  values: statistics[0].values.indices.map { r in average(statistics.map { $0.values[r] }) })
    }

    /// first − second on the full set and per resample (the paired difference on shared draws).
    public static func - (first: ResampledStatistic, second: ResampledStatistic) -> ResampledStatistic {
        precondition(first.values.count == second.values.count, "ResampledStatistic: differences need the same resamples")
        func difference(_ a: Double?, _ b: Double?) -> Double? { if let a, let b { a - b } else { nil } }
        return ResampledStatistic(estimate: difference(first.estimate, second.estimate),
                                  values: zip(first.values, second.values).map(difference))
    }

    /// The percentile interval at `level` (nil when the estimate is undefined).
    public func interval(level: Double) -> ConfidenceInterval? {
        guard let estimate else { return nil }
        return SubjectBootstrap.percentileInterval(estimate: estimate, values: values.compactMap { $0 }.filter(\.isFinite), level: level)
    }
}

extension SubjectBootstrap {
    /// The resamples of this bootstrap over a test set whose window i belongs to `subjects[i]`.
    public func draws(subjects: [String]) -> BootstrapDraws {
        BootstrapDraws(subjects: subjects, bootstrap: self)
    }
}
