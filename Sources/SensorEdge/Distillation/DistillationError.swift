/// Why a distillation cannot run; each names the modality, shape or count at fault.
public enum DistillationError: Error, Equatable, CustomStringConvertible {
    case modalityMissing(modality: String, available: [String])
    case modalityShape(modality: String, expected: [Int], found: [Int])
    case normalizationMismatch(modality: String)
    case targetCount(name: String, expected: Int, found: Int)
    case classCount(student: Int, teacher: Int)
    case noTrainingWindows

    public var description: String {
        switch self {
        case .modalityMissing(let modality, let available):
            "the student needs modality '\(modality)', the windows have \(available.joined(separator: ", "))"
        case .modalityShape(let modality, let expected, let found):
            "the student's '\(modality)' input is [samples, channels] = \(expected), the windows hold \(found)"
        case .normalizationMismatch(let modality):
            "the input normalisation has no matching entry for modality '\(modality)'"
        case .targetCount(let name, let expected, let found):
            "distillation targets: \(name) has \(found) rows for \(expected) windows"
        case .classCount(let student, let teacher):
            "the student has \(student) classes, the teacher's logits \(teacher)"
        case .noTrainingWindows:
            "distillation needs at least one training window"
        }
    }
}
