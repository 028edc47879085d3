import SensorTensor

/// What the teacher says about each training window, computed once before distillation (the teacher is
/// never run inside the student's training loop). Row i belongs to the i-th training window.
public struct DistillationTargets {
    /// Teacher class logits [N, classes], or nil for feature-only distillation.
    public var logits: Tensor?
    /// Teacher embeddings [N, dimensions], or nil without feature distillation.
    public var embeddings: Tensor?
    /// Ground-truth class per window, -1 for an unlabelled window (it then learns from the teacher only).
    public var labels: [Int]

    public init(logits: Tensor?, embeddings: Tensor?, labels: [Int]) {
        self.logits = logits
        self.embeddings = embeddings
        self.labels = labels
    }

    public var count: Int { labels.count }

    /// Checks every present target has one row per window and the logits match the student's classes.
    func validate(classCount: Int) throws(DistillationError) {
        guard count > 0 else { throw .noTrainingWindows }
        if let logits {
            guard logits.rank == 2, logits.shape[0] == count else {
                throw .targetCount(name: "teacher logits", expected: count, found: logits.rank == 2 ? logits.shape[0] : 0)
            }
            guard logits.shape[1] == classCount else { throw .classCount(student: classCount, teacher: logits.shape[1]) }
        }
        if let embeddings, embeddings.rank != 2 || embeddings.shape[0] != count {
            throw .targetCount(name: "teacher embeddings", expected: count, found: embeddings.rank == 2 ? embeddings.shape[0] : 0)
        }
    }
}
