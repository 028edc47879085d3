import Foundation
import SensorTensor

/// Subject-wise partitions: every subject's windows go to exactly one part, so no part ever sees another
/// part's subjects (window-wise splits leak subject identity through overlapping windows and physiology).
public struct SubjectSplit: Sendable, Equatable {
    public var train: [String]
    public var validation: [String]
    public var test: [String]

    /// Shuffles `subjects` with `seed` and cuts them by fractions; each non-zero fraction gets at least one
    /// subject when there are enough, the remainder goes to training.
    public init(subjects: [String], validationFraction: Double, testFraction: Double, seed: UInt64) {
        precondition(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1,
                     "SubjectSplit: fractions \(validationFraction) + \(testFraction) must be non-negative and below 1")
        let unique = Array(Set(subjects)).sorted()
        var generator = RandomGenerator(seed: seed)
        let order = generator.permutation(unique.count).map { unique[$0] }
        func share(_ fraction: Double) -> Int {
            fraction == 0 ? 0 : max(1, Int((fraction * Double(unique.count)).rounded()))
        }
        let testCount = min(share(testFraction), max(0, unique.count - 1))
        let validationCount = min(share(validationFraction), max(0, unique.count - 1 - testCount))
        test = Array(order[0..<testCount])
        validation = Array(order[testCount..<(testCount + validationCount)])
        train = Array(order[(testCount + validationCount)...])
    }

    /// k folds of leave-subjects-out cross-validation: the shuffled subjects are dealt into `k` groups of
    /// near-equal size; fold `i` tests on group `i` and trains on the rest.
    public static func leaveSubjectsOutFolds(subjects: [String], folds k: Int, seed: UInt64) -> [(train: [String], test: [String])] {
        let unique = Array(Set(subjects)).sorted()
        precondition(k >= 2 && k <= unique.count, "SubjectSplit.leaveSubjectsOutFolds: need 2 <= k <= \(unique.count) subjects, got k = \(k)")
        var generator = RandomGenerator(seed: seed)
        let order = generator.permutation(unique.count).map { unique[$0] }
        return (0..<k).map { fold in
            let test = order.enumerated().filter { $0.offset % k == fold }.map(\.element)
            let train = order.enumerated().filter { $0.offset % k != fold }.map(\.element)
            return (train, test)
        }
    }
}
