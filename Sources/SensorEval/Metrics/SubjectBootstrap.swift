import Foundation
import SensorTensor

/// A point estimate with a percentile bootstrap interval.
public struct ConfidenceInterval: Sendable, Codable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// Coverage, e.g. 0.95.
    public var level: Double
    /// Resamples the interval is built from (those where the statistic was defined).
    public var resamples: Int

    public init(estimate: Double, lower: Double, upper: Double, level: Double, resamples: Int) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.level = level
        self.resamples = resamples
    }

    /// Whether the interval lies entirely above or below zero (for paired differences).
    public var excludesZero: Bool { lower > 0 || upper < 0 }
}

/// Bootstrap over subjects: windows of one subject are correlated, so the resampling unit is the
/// subject (all of its windows enter a resample together), drawn with replacement.
public struct SubjectBootstrap: Sendable {
    public var resamples: Int
    public var level: Double
    public var seed: UInt64

    public init(resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) {
        precondition(resamples > 0, "SubjectBootstrap: resamples must be positive, got \(resamples)")
        precondition(level > 0 && level < 1, "SubjectBootstrap: level must be in (0, 1), got \(level)")
        self.resamples = resamples
        self.level = level
        self.seed = seed
    }

    /// The statistic on all windows and its percentile interval. `subjects[i]` is the subject of
    /// window i; `statistic` receives a multiset of window positions (a subject drawn twice appears
    /// twice). Nil when the statistic is undefined on the full set.
    public func interval(subjects: [String], statistic: ([Int]) -> Double?) -> ConfidenceInterval? {
        guard let estimate = statistic(Array(subjects.indices)) else { return nil }
        let values = resampled(subjects: subjects) { positions in statistic(positions) }
        return percentileInterval(estimate: estimate, values: values)
    }

    /// The paired difference first − second on the same windows, resampling subjects once per
    /// draw for both, so subject effects shared by the two models cancel.
    public func pairedDifference(subjects: [String], first: ([Int]) -> Double?, second: ([Int]) -> Double?) -> ConfidenceInterval? {
        let all = Array(subjects.indices)
        guard let a = first(all), let b = second(all) else { return nil }
        let values = resampled(subjects: subjects) { positions -> Double? in
            guard let x = first(positions), let y = second(positions) else { return nil }
            return x - y
        }
        return percentileInterval(estimate: a - b, values: values)
    }

    /// Statistic values over the resamples where it is defined.
    private func resampled(subjects: [String], _ statistic: ([Int]) -> Double?) -> [Double] {
        var groups: [String: [Int]] = [:]
        for (position, subject) in subjects.enumerated() { groups[subject, default: []].append(position) }
        let members = groups.keys.sorted().map { groups[$0]! }
        var generator = RandomGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var positions: [Int] = []
        for _ in 0..<resamples {
            positions.removeAll(keepingCapacity: true)
            for _ in members.indices { positions.append(contentsOf: members[generator.nextInt(below: members.count)]) }
            if let value = statistic(positions), value.isFinite { values.append(value) }
        }
        return values
    }

    private func percentileInterval(estimate: Double, values: [Double]) -> ConfidenceInterval {
        Self.percentileInterval(estimate: estimate, values: values, level: level)
    }

    /// The point estimate with the `level` percentile interval of the resampled `values`.
    static func percentileInterval(estimate: Double, values: [Double], level: Double) -> ConfidenceInterval {
        let sorted = values.sorted(), alpha = (1 - level) / 2
        return ConfidenceInterval(estimate: estimate, lower: Self.quantile(sorted, alpha) ?? estimate,
                                  upper: Self.quantile(sorted, 1 - alpha) ?? estimate, level: level, resamples: sorted.count)
    }

    /// Linear interpolation between order statistics (type 7, NumPy's default) of sorted values.
    static func quantile(_ sorted: [Double], _ probability: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = probability * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }
}
