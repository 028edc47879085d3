import Foundation
import SensorTensor

/// A label-fraction subsample of the training targets and what it could not cover.
public struct LabelFractionSample: Sendable, Equatable {
    /// Positions into the training `TaskTargets`, ascending.
    public var positions: [Int]
    /// Classes of the task with no labelled training window at all (so no fraction can hold them).
    public var missingClasses: [String]
}

/// Label-efficiency subsampling: a fraction is a stratified share of each training subject's
/// labelled windows, at least one per stratum the subject has. Strata are classes for
/// classification and heart-rate quantile bins (over all training windows) for regression.
public enum LabelFraction {
    /// The sweep of the label-efficiency studies.
    public static let standardFractions: [Double] = [0.01, 0.05, 0.25, 1.0]

    /// Draws `fraction` of `targets` (the training subjects' labelled windows) with `seed`.
    /// Per (subject, stratum) with n windows it keeps max(1, round(fraction · n)) windows chosen
    /// uniformly without replacement; fraction 1 keeps everything.
    /// - Throws: `EvaluationError.invalidFraction` outside (0, 1].
    public static func sample(_ targets: TaskTargets, fraction: Double, seed: UInt64,
                              regressionBins: Int = 4) throws(EvaluationError) -> LabelFractionSample {
        guard fraction > 0, fraction <= 1 else { throw .invalidFraction(fraction) }
        let strata = strata(of: targets, regressionBins: regressionBins)
        var missing: [String] = []
        if targets.task.kind == .classification {
            let present = Set(targets.classes)
            missing = targets.task.classNames.indices.filter { !present.contains($0) }.map { targets.task.classNames[$0] }
        }
        guard fraction < 1 else { return LabelFractionSample(positions: Array(0..<targets.count), missingClasses: missing) }
        var groups: [String: [Int: [Int]]] = [:]
        for position in 0..<targets.count { groups[targets.subjects[position], default: [:]][strata[position], default: []].append(position) }
        var generator = RandomGenerator(seed: seed)
        var chosen: [Int] = []
        for subject in groups.keys.sorted() {
            let byStratum = groups[subject]!
            for stratum in byStratum.keys.sorted() {
                let members = byStratum[stratum]!
                let keep = max(1, Int((fraction * Double(members.count)).rounded()))
                let order = generator.permutation(members.count)
                chosen.append(contentsOf: order.prefix(keep).map { members[$0] })
            }
        }
        return LabelFractionSample(positions: chosen.sorted(), missingClasses: missing)
    }

    /// Stratum of each target: its class, or its quantile bin of the value (bin edges at the
    /// 1/bins, 2/bins, … quantiles of all values).
    static func strata(of targets: TaskTargets, regressionBins: Int) -> [Int] {
        switch targets.task.kind {
        case .classification:
            return targets.classes
        case .regression:
            precondition(regressionBins >= 1, "LabelFraction: regression bins must be >= 1, got \(regressionBins)")
            let sorted = targets.values.sorted()
            let edges = (1..<regressionBins).map { sorted[min(sorted.count - 1, $0 * sorted.count / regressionBins)] }
            return targets.values.map { value in edges.reduce(0) { $0 + (value >= $1 ? 1 : 0) } }
        }
    }
}
