import Foundation
import SensorData

/// Whether a task predicts a class or a value.
public enum TaskKind: String, Sendable, Codable, Equatable {
    case classification
    case regression
}

/// A downstream task read from one of the dataset's window labels.
public struct TaskSpec: Sendable, Codable, Equatable, Hashable {
    /// The task's name in results ("activity", "heart_rate", "stress").
    public var name: String
    /// The window label it reads (`WindowSet.classLabels` or `valueLabels` key).
    public var label: String
    public var kind: TaskKind
    /// Class names in index order (classification); empty for regression.
    public var classNames: [String]
    /// Unit of a regressed value ("bpm"); nil for classification.
    public var unit: String?

    public init(name: String, label: String, kind: TaskKind, classNames: [String] = [], unit: String? = nil) {
        precondition(kind == .regression || classNames.count >= 2,
                     "TaskSpec \(name): a classification task needs at least two classes, got \(classNames)")
        self.name = name
        self.label = label
        self.kind = kind
        self.classNames = classNames
        self.unit = unit
    }

    public var classCount: Int { classNames.count }

    /// Activity classification from the cohort's `activity` label.
    public static let activity = TaskSpec(name: "activity", label: "activity", kind: .classification,
                                          classNames: SyntheticActivity.labelNames)
    /// Heart-rate regression (bpm) from the `heart_rate` label.
    public static let heartRate = TaskSpec(name: "heart_rate", label: "heart_rate", kind: .regression, unit: "bpm")
    /// WESAD-style stress condition (baseline / stress / amusement) from the `arousal` label.
    public static let stress = TaskSpec(name: "stress", label: "arousal", kind: .classification,
                                        classNames: SyntheticArousal.labelNames)

    /// The standard tasks by name.
    public static func named(_ name: String) throws(EvaluationError) -> TaskSpec {
        switch name {
        case "activity": .activity
        case "heart_rate": .heartRate
        case "stress": .stress
        default: throw .unknownTask(name)
        }
    }
}

/// The labelled windows of one task: which windows of a `WindowSet` carry a label, and the label.
public struct TaskTargets: Sendable, Equatable {
    public let task: TaskSpec
    /// Indices into the window set, in stored order.
    public let windowIndices: [Int]
    /// Subject of each labelled window.
    public let subjects: [String]
    /// Class index of each window (classification; empty for regression).
    public let classes: [Int]
    /// Value of each window (regression; empty for classification).
    public let values: [Float]

    /// Collects the windows whose label is present (class ≥ 0, or a finite value).
    /// - Throws: `EvaluationError.missingLabel` when the dataset has no such label,
    ///   `.labelKindMismatch` when it has the other kind, `.noLabelledWindows` when none is set.
    public init(task: TaskSpec, windows: WindowSet) throws(EvaluationError) {
        guard let schema = windows.labelSchema.first(where: { $0.name == task.label }) else {
            throw .missingLabel(task: task.name, label: task.label, available: windows.labelSchema.map(\.name))
        }
        var indices: [Int] = [], classes: [Int] = [], values: [Float] = []
        switch task.kind {
        case .classification:
            guard schema.kind == .classIndex, let stored = windows.classLabels[task.label] else {
                throw .labelKindMismatch(task: task.name, label: task.label, expected: "class")
            }
            for (index, value) in stored.enumerated() where value >= 0 {
                guard Int(value) < task.classCount else {
                    throw .classOutOfRange(task: task.name, window: index, classIndex: Int(value), classCount: task.classCount)
                }
                indices.append(index)
                classes.append(Int(value))
            }
        case .regression:
            guard schema.kind == .value, let stored = windows.valueLabels[task.label] else {
                throw .labelKindMismatch(task: task.name, label: task.label, expected: "value")
            }
            for (index, value) in stored.enumerated() where value.isFinite {
                indices.append(index)
                values.append(value)
            }
        }
        guard !indices.isEmpty else { throw .noLabelledWindows(task: task.name) }
        self.task = task
        windowIndices = indices
        subjects = indices.map { windows.subject(ofWindow: $0) }
        self.classes = classes
        self.values = values
    }

    private init(task: TaskSpec, windowIndices: [Int], subjects: [String], classes: [Int], values: [Float]) {
        self.task = task
        self.windowIndices = windowIndices
        self.subjects = subjects
        self.classes = classes
        self.values = values
    }

    public var count: Int { windowIndices.count }

    /// The targets at `positions` (indices into this list, not window indices).
    public func selecting(_ positions: [Int]) -> TaskTargets {
        TaskTargets(task: task, windowIndices: positions.map { windowIndices[$0] }, subjects: positions.map { subjects[$0] },
                    classes: classes.isEmpty ? [] : positions.map { classes[$0] },
                    values: values.isEmpty ? [] : positions.map { values[$0] })
    }

    /// The targets of the given subjects.
    public func restricted(toSubjects chosen: Set<String>) -> TaskTargets {
        selecting(subjects.indices.filter { chosen.contains(subjects[$0]) })
    }
}
