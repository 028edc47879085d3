import SensorTensor

/// What the teacher says about each training window, computed once before distillation (the teacher is
/// never run inside the student's training loop). Row i belongs to the i-th training window.
public struct DistillationTargets {
    /// Teacher class logits [N, classes], or nil for feature-only distillation.
    public var logits: Tensor?
    /// Teacher embeddings [N, dimensions], or nil without feature distillation.
    public var embeddings: Tensor?
    /// Ground-truth class per window, -1 for an unlabelled window (it then learns from the teacher only).
    /// A regression student has one entry per window too (0 labelled, -1 unlabelled) and its truth in `values`.
    public var labels: [Int]
    /// Regression only: the ground-truth value per window in standardised units (NaN for an unlabelled window);
    /// `logits` then holds the teacher's predicted values [N, outputs] in the same units. Empty for classes.
    public var values: [Float]

    public init(logits: Tensor?, embeddings: Tensor?, labels: [Int]) {
        self.logits = logits
        self.embeddings = embeddings
        self.labels = labels
        self.values = []
    }

    /// Regression targets: teacher predictions `teacherValues` [N, 1] (or nil) and ground truth `values` (NaN
    /// where unlabelled), both standardised.
    public init(teacherValues: Tensor?, embeddings: Tensor?, values: [Float]) {
        self.logits = teacherValues
        self.embeddings = embeddings
        self.labels = values.map { $0.isNaN ? -1 : 0 }
        self.values = values
    }

    public var count: Int { labels.count }

    /// The targets of the windows at `rows` (a batch).
    func rows(_ rows: [Int]) -> DistillationTargets {
        var batch = DistillationTargets(logits: logits?.indexSelect(axis: 0, indices: rows),
                                        embeddings: embeddings?.indexSelect(axis: 0, indices: rows),
                                        labels: rows.map { labels[$0] })
        if !values.isEmpty { batch.values = rows.map { values[$0] } }
        return batch
    }

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
