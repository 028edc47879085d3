import Foundation
import SensorData

/// How subjects are divided between training, validation and testing.
public enum EvaluationProtocol: Sendable, Codable, Equatable {
    /// One subject-disjoint train / validation / test split.
    case holdout(validationFraction: Double, testFraction: Double, seed: UInt64)
    /// k-fold leave-subjects-out cross-validation; `validationSubjects` training subjects of each
    /// fold are held out for validation.
    case leaveSubjectsOut(folds: Int, validationSubjects: Int, seed: UInt64)

    /// The folds over `subjects` (one for a holdout split).
    public func folds(subjects: [String]) -> [EvaluationFold] {
        switch self {
        case .holdout(let validationFraction, let testFraction, let seed):
            let split = SubjectSplit(subjects: subjects, validationFraction: validationFraction, testFraction: testFraction, seed: seed)
            return [EvaluationFold(index: 0, train: split.train, validation: split.validation, test: split.test)]
        case .leaveSubjectsOut(let k, let validationSubjects, let seed):
            return SubjectSplit.leaveSubjectsOutFolds(subjects: subjects, folds: k, seed: seed).enumerated().map { index, fold in
                let held = min(validationSubjects, max(0, fold.train.count - 1))
                return EvaluationFold(index: index, train: Array(fold.train.dropFirst(held)),
                                      validation: Array(fold.train.prefix(held)), test: fold.test)
            }
        }
    }
}

/// The subjects of each part of one fold (recorded in the results).
public struct EvaluationFold: Sendable, Codable, Equatable {
    public var index: Int
    public var train: [String]
    public var validation: [String]
    public var test: [String]

    public init(index: Int, train: [String], validation: [String], test: [String]) {
        self.index = index
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// Refuses evaluation on subjects the encoder was pretrained on.
public enum PretrainingGuard {
    /// - Throws: `EvaluationError.testSubjectsSeenInPretraining` naming every overlapping subject.
    public static func check(testSubjects: [String], pretrainingSubjects: [String]) throws(EvaluationError) {
        let seen = Set(pretrainingSubjects)
        let overlap = Set(testSubjects).filter { seen.contains($0) }.sorted()
        guard overlap.isEmpty else { throw .testSubjectsSeenInPretraining(overlap) }
    }
}
