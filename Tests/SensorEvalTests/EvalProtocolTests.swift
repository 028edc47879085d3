import Foundation
import Testing
@testable import SensorData
@testable import SensorEval

@Suite struct EvalProtocolTests {
    /// Three training subjects with 40 windows of class 0 and 10 of class 1 each, plus a test subject.
    private func windows() -> WindowSet {
        var set = makeWindowSet(samples: 4)
        for subject in ["s0", "s1", "s2", "t0"] {
            for w in 0..<50 {
                set.appendTestWindow([0, 1, 0, -1], subject: subject, classIndex: w < 40 ? 0 : 1, value: 60 + Float(w))
            }
        }
        return set
    }

    private let task = TaskSpec(name: "activity", label: "activity", kind: .classification, classNames: ["a", "b"])

    @Test func stratifiedFractionKeepsOnePerClassPerSubject() throws {
        let targets = try TaskTargets(task: task, windows: windows()).restricted(toSubjects: ["s0", "s1", "s2"])
        let small = try LabelFraction.sample(targets, fraction: 0.01, seed: 7)
        let chosen = targets.selecting(small.positions)
        #expect(chosen.count == 6)
        for subject in ["s0", "s1", "s2"] {
            let classes = zip(chosen.subjects, chosen.classes).filter { $0.0 == subject }.map(\.1).sorted()
            #expect(classes == [0, 1], "subject \(subject): \(classes)")
        }
        #expect(!chosen.subjects.contains("t0"))
        // 25 %: round(10) of 40 and round(2.5) = 3 (rounded half away from zero) of 10, per subject.
        let quarter = targets.selecting(try LabelFraction.sample(targets, fraction: 0.25, seed: 7).positions)
        #expect(quarter.count == 3 * (10 + 3))
        #expect(try LabelFraction.sample(targets, fraction: 1, seed: 7).positions == Array(0..<targets.count))
        #expect(small.missingClasses.isEmpty)
        // Different seeds draw different windows; the same seed the same ones.
        #expect(try LabelFraction.sample(targets, fraction: 0.25, seed: 7) == LabelFraction.sample(targets, fraction: 0.25, seed: 7))
        #expect(try LabelFraction.sample(targets, fraction: 0.25, seed: 7) != LabelFraction.sample(targets, fraction: 0.25, seed: 8))
    }

    @Test func regressionFractionStratifiesByValueBins() throws {
        let heartRate = TaskSpec(name: "heart_rate", label: "heart_rate", kind: .regression, unit: "bpm")
        let targets = try TaskTargets(task: heartRate, windows: windows()).restricted(toSubjects: ["s0"])
        let sample = try LabelFraction.sample(targets, fraction: 0.01, seed: 1, regressionBins: 4)
        let values = targets.selecting(sample.positions).values.sorted()
        // Values 60…109 in four quantile bins: one window from each.
        #expect(values.count == 4)
        #expect(values[0] < 72.5 && values[1] >= 72 && values[1] < 85 && values[2] >= 85 && values[2] < 97 && values[3] >= 97)
    }

    @Test func invalidFractionAndMissingClassAreReported() throws {
        let targets = try TaskTargets(task: task, windows: windows())
        #expect(throws: EvaluationError.invalidFraction(0)) { try LabelFraction.sample(targets, fraction: 0, seed: 0) }
        #expect(throws: EvaluationError.invalidFraction(1.5)) { try LabelFraction.sample(targets, fraction: 1.5, seed: 0) }
        let onlyFirstClass = targets.selecting(targets.classes.indices.filter { targets.classes[$0] == 0 })
        #expect(try LabelFraction.sample(onlyFirstClass, fraction: 0.05, seed: 0).missingClasses == ["b"])
    }

    @Test func taskTargetsReportMissingLabels() throws {
        let set = windows()
        #expect(throws: EvaluationError.missingLabel(task: "stress", label: "arousal", available: ["activity", "heart_rate"])) {
            try TaskTargets(task: .stress, windows: set)
        }
        #expect(throws: EvaluationError.labelKindMismatch(task: "x", label: "heart_rate", expected: "class")) {
            try TaskTargets(task: TaskSpec(name: "x", label: "heart_rate", kind: .classification, classNames: ["a", "b"]), windows: set)
        }
        #expect(try TaskTargets(task: task, windows: set).count == 200)
    }

    @Test func leaveSubjectsOutFoldsAreDisjointAndCovering() {
        let subjects = (0..<11).map { "s\($0)" }
        let folds = EvaluationProtocol.leaveSubjectsOut(folds: 4, validationSubjects: 1, seed: 5).folds(subjects: subjects)
        #expect(folds.count == 4)
        var tested: [String] = []
        for fold in folds {
            let parts = [Set(fold.train), Set(fold.validation), Set(fold.test)]
            #expect(parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2]) && parts[1].isDisjoint(with: parts[2]))
            #expect(parts[0].union(parts[1]).union(parts[2]) == Set(subjects))
            #expect(fold.validation.count == 1)
            tested += fold.test
        }
        #expect(tested.sorted() == subjects.sorted())
        let holdout = EvaluationProtocol.holdout(validationFraction: 0.2, testFraction: 0.2, seed: 1).folds(subjects: subjects)
        #expect(holdout.count == 1 && Set(holdout[0].test).isDisjoint(with: holdout[0].train))
    }

    @Test func guardRefusesTestSubjectsSeenInPretraining() throws {
        #expect(throws: EvaluationError.testSubjectsSeenInPretraining(["s2", "s3"])) {
            try PretrainingGuard.check(testSubjects: ["s3", "s9", "s2"], pretrainingSubjects: ["s0", "s1", "s2", "s3"])
        }
        try PretrainingGuard.check(testSubjects: ["s9"], pretrainingSubjects: ["s0", "s1"])
        #expect(EvaluationError.testSubjectsSeenInPretraining(["s2"]).description.contains("s2"))
    }
}
