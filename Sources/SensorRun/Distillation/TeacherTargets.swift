import Foundation
import SensorEdge
import SensorEval
import SensorTensor

/// What the teacher and the labels say about the training windows, in the units the student trains in.
struct TeacherTargets {
    /// Teacher outputs, ground truth and (with feature distillation) teacher embeddings, one row per training window.
    var targets: DistillationTargets
    /// Regression: value = student output · scale + mean (the labelled training windows' mean and standard
    /// deviation); (0, 1) for classification.
    var targetMean: Float
    var targetScale: Float
    var labelledCount: Int

    /// Teacher outputs on every training window (labelled or not): log-probabilities as logits for a
    /// classification task, standardised predicted values for a regression task; ground truth where labelled;
    /// with `embeddings`, the teacher's pooled embeddings z-scored per dimension over the training windows.
    /// `labelFraction` of the labelled training windows (a seeded random choice) keep their ground truth; the
    /// others count as unlabelled and learn from the teacher only.
    static func compute(teacher: TeacherRun, training: [Int], embeddings: Bool, labelFraction: Float = 1, seed: UInt64 = 0) -> TeacherTargets {
        let windows = teacher.dataset.windows, model = teacher.model
        var labelled = teacher.targets.restricted(toSubjects: Set(teacher.fold.train))
        if labelFraction < 1 {
            var generator = RandomGenerator(seed: seed)
            let kept = Int((Float(labelled.count) * labelFraction).rounded())
            labelled = labelled.selecting(Array(generator.permutation(labelled.count).prefix(kept)).sorted())
        }
        let predictions = model.predict(windows: windows, indices: training)
        var teacherEmbeddings: Tensor?
        if embeddings {
            let raw = model.embeddings(windows: windows, indices: training)
            teacherEmbeddings = EmbeddingStandardization(fitting: raw).apply(raw)
        }
        switch model.task.kind {
        case .classification:
            var labels = [Int](repeating: -1, count: windows.windowCount)
            for (window, label) in zip(labelled.windowIndices, labelled.classes) { labels[window] = label }
            let classCount = model.task.classCount
            let logits = Tensor(shape: [training.count, classCount],
                                scalars: predictions.probabilities.map { Foundation.log(max($0, 1e-30)) })
            return TeacherTargets(targets: DistillationTargets(logits: logits, embeddings: teacherEmbeddings, labels: training.map { labels[$0] }),
                                  targetMean: 0, targetScale: 1, labelledCount: labelled.count)
        case .regression:
            let count = Double(max(labelled.values.count, 1))
            let mean = labelled.values.reduce(0.0) { $0 + Double($1) } / count
            let variance = labelled.values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
            let scale = variance > 1e-12 ? Float(variance.squareRoot()) : 1, center = Float(mean)
            var values = [Float](repeating: .nan, count: windows.windowCount)
            for (window, value) in zip(labelled.windowIndices, labelled.values) { values[window] = (value - center) / scale }
            let teacherValues = Tensor(shape: [training.count, 1], scalars: predictions.values.map { ($0 - center) / scale })
            return TeacherTargets(targets: DistillationTargets(teacherValues: teacherValues, embeddings: teacherEmbeddings,
                                                               values: training.map { values[$0] }),
                                  targetMean: center, targetScale: scale, labelledCount: labelled.count)
        }
    }
}
