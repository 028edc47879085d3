import Foundation

/// What can go wrong when setting up an evaluation; each case reads as a sentence.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case unknownTask(String)
    case missingLabel(task: String, label: String, available: [String])
    case labelKindMismatch(task: String, label: String, expected: String)
    case classOutOfRange(task: String, window: Int, classIndex: Int, classCount: Int)
    case noLabelledWindows(task: String)
    case invalidFraction(Double)
    case emptyClass(task: String, className: String, subjects: Int)
    case testSubjectsSeenInPretraining([String])
    case noTrainingWindows(task: String)
    case noTestWindows(task: String)
    case modalityMismatch(String)

    public var description: String {
        switch self {
        case .unknownTask(let name):
            "unknown task \"\(name)\" (known: activity, heart_rate, stress)"
        case .missingLabel(let task, let label, let available):
            "task \(task) needs the window label \"\(label)\", which the dataset lacks (it has: \(available.joined(separator: ", ")))"
        case .labelKindMismatch(let task, let label, let expected):
            "task \(task) needs label \"\(label)\" stored as a \(expected) label, but the dataset stores it as the other kind"
        case .classOutOfRange(let task, let window, let classIndex, let classCount):
            "task \(task): window \(window) has class \(classIndex), outside the task's \(classCount) classes"
        case .noLabelledWindows(let task):
            "task \(task): no window carries its label"
        case .invalidFraction(let fraction):
            "label fraction \(fraction) must be in (0, 1]"
        case .emptyClass(let task, let className, let subjects):
            "task \(task): class \"\(className)\" has no labelled window among the \(subjects) training subjects"
        case .testSubjectsSeenInPretraining(let subjects):
            "test subjects \(subjects.joined(separator: ", ")) were seen in pretraining; evaluation on them would be optimistic"
        case .noTrainingWindows(let task):
            "task \(task): the training subjects have no labelled window"
        case .noTestWindows(let task):
            "task \(task): the test subjects have no labelled window"
        case .modalityMismatch(let message):
            "the encoder's layout does not fit the dataset: \(message)"
        }
    }
}
