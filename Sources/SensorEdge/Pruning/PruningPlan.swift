import Foundation
import SensorNN
import SensorTensor

/// The channel counts a student is pruned through, round by round, to a target size. Every layer keeps the same
/// fraction of its channels (rounded, at least one): after round r of R the fraction is f^(r/R), so the rounds
/// remove a similar share each and the last reaches the target fraction f exactly. Which channels go is decided
/// by importance at each round (`ChannelImportance`); the plan depends on shapes only, so a run checks before
/// training that its final student fits the device.
public struct PruningPlan: Sendable, Equatable {
    /// What the pruning must reach.
    public enum Target: Sendable, Equatable {
        /// The largest uniform fraction whose student fits the device profile (weights and arena estimate).
        case profile
        /// Keep this fraction (0 < f ≤ 1) of every layer's channels; the result must still fit the profile.
        case fraction(Double)
    }

    /// The kept fraction of the last round.
    public let fraction: Double
    /// Per round (1...R), the student's `stemWidths` after it.
    public let roundWidths: [[[Int]]]

    /// Plans `rounds` rounds from `configuration` to `target` on `profile`; throws the final student's
    /// `EdgeBudgetError` (naming the layer) when no plan fits.
    public init(configuration: StudentConfiguration, target: Target, rounds: Int, profile: DeviceProfile) throws {
        precondition(rounds > 0, "PruningPlan: rounds must be > 0, got \(rounds)")
        let original = configuration.stemWidths
        let fraction: Double
        switch target {
        case .fraction(let value):
            precondition(value > 0 && value <= 1, "PruningPlan: the target fraction must be in (0, 1], got \(value)")
            try Self.budget(configuration, widths: Self.widths(original, keeping: value), profile: profile).requireFit()
            fraction = value
        case .profile:
            let widest = original.joined().max()!
            let candidates = (1...widest).reversed().map { Double($0) / Double(widest) }
            guard let fitting = candidates.first(where: {
                Self.budget(configuration, widths: Self.widths(original, keeping: $0), profile: profile).violations.isEmpty
            }) else {
                let narrowest = Self.budget(configuration, widths: Self.widths(original, keeping: candidates.last!), profile: profile)
                throw EdgeBudgetError(device: profile.name, violations: narrowest.violations)
            }
            fraction = fitting
        }
        self.fraction = fraction
        roundWidths = (1...rounds).map { round in
            Self.widths(original, keeping: round == rounds ? fraction : pow(fraction, Double(round) / Double(rounds)))
        }
    }

    /// Every width times `fraction`, rounded, at least 1.
    public static func widths(_ widths: [[Int]], keeping fraction: Double) -> [[Int]] {
        widths.map { $0.map { max(1, Int((Double($0) * fraction).rounded())) } }
    }

    /// The budget of `configuration` with `widths` (shapes only; the weights are a throwaway initialisation).
    public static func budget(_ configuration: StudentConfiguration, widths: [[Int]], profile: DeviceProfile) -> BudgetReport {
        var shape = configuration
        shape.stemWidths = widths
        var generator = RandomGenerator(seed: 0)
        return BudgetReport(graph: StudentLowering.floatGraph(StudentModel(configuration: shape, generator: &generator)), profile: profile)
    }
}
