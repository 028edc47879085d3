import SensorNN
import SensorTensor

/// Structured channel pruning of a `StudentModel`: whole output channels leave a channel group together with
/// everything tied to them (the producer's filter rows and batch-norm parameters and statistics, the next block's
/// depthwise filter and batch norm, and the input columns of the layer reading the group), so the result is a
/// smaller dense student of the same architecture that lowers, quantizes and exports like any other.
public enum StudentPruning {
    /// The indices, ascending, of the `count` highest-scoring channels (ties keep the lower index).
    public static func strongest(_ scores: [Float], count: Int) -> [Int] {
        precondition(count > 0 && count <= scores.count, "StudentPruning: cannot keep \(count) of \(scores.count) channels")
        return scores.indices.sorted { (scores[$0], $1) > (scores[$1], $0) }.prefix(count).sorted()
    }

    /// For each modality and channel group, the channels to keep so each group has `widths[m][j]` channels,
    /// chosen by `scores` (see `ChannelImportance`).
    public static func selection(scores: [[[Float]]], widths: [[Int]]) -> [[[Int]]] {
        zip(scores, widths).map { groupScores, groupWidths in
            zip(groupScores, groupWidths).map { strongest($0, count: $1) }
        }
    }

    /// A new student keeping, per modality `m` and channel group `j`, exactly the channels `keep[m][j]` (ascending
    /// indices into `student`'s channels) and copying every other weight unchanged. The copy is in the student's
    /// training mode. A removed channel whose activation is always zero (e.g. zero weights and a folded bias ≤ 0)
    /// leaves the outputs unchanged; any other removal changes them, which the fine-tuning between rounds repairs.
    public static func pruned(_ student: StudentModel, keeping keep: [[[Int]]]) -> StudentModel {
        let original = student.configuration
        precondition(keep.count == original.stemWidths.count, "StudentPruning: keep lists for \(keep.count) of \(original.stemWidths.count) modalities")
        for (m, groups) in keep.enumerated() {
            precondition(groups.count == original.stemWidths[m].count, "StudentPruning: \(groups.count) keep lists for \(original.stemWidths[m].count) channel groups of \(original.modalities[m].name)")
            for (j, channels) in groups.enumerated() {
                precondition(!channels.isEmpty && channels == channels.sorted() && Set(channels).count == channels.count
                             && channels.allSatisfy { (0..<original.stemWidths[m][j]).contains($0) },
                             "StudentPruning: keep list \(channels) of \(original.modalities[m].name) group \(j) must be distinct ascending channels below \(original.stemWidths[m][j])")
            }
        }
        var configuration = original
        configuration.stemWidths = keep.map { $0.map(\.count) }
        var generator = RandomGenerator(seed: 0)
        let result = StudentModel(configuration: configuration, generator: &generator)
        for (m, (source, target)) in zip(student.stems, result.stems).enumerated() {
            for (index, (from, to)) in zip(source.units, target.units).enumerated() {
                let outputs = keep[m][index / 2]
                // The stem reads every input channel; a depthwise unit one per group; a pointwise unit the group before it.
                let inputs: [Int]? = index == 0 || index % 2 == 1 ? nil : keep[m][index / 2 - 1]
                copy(from.convolution.weight, into: to.convolution.weight, rows: outputs, columns: inputs)
                for (a, b) in [(from.normalization.weight, to.normalization.weight), (from.normalization.bias, to.normalization.bias),
                               (from.normalization.runningMean, to.normalization.runningMean),
                               (from.normalization.runningVariance, to.normalization.runningVariance)] {
                    copy(a, into: b, rows: outputs, columns: nil)
                }
            }
        }
        var offset = 0, features: [Int] = []
        for (m, groups) in keep.enumerated() {
            features += groups.last!.map { offset + $0 }
            offset += original.stemWidths[m].last!
        }
        copy(student.hidden.weight, into: result.hidden.weight, rows: nil, columns: features)
        for (from, to) in [(student.hidden.bias, result.hidden.bias), (student.classifier.weight, result.classifier.weight),
                           (student.classifier.bias, result.classifier.bias)] {
            if let from, let to { to.assign(from) }
        }
        result.train(student.isTraining)
        return result
    }

    /// Copies the selected rows (axis 0) and columns (axis 1) of `source` into `target`; nil selects all. Any
    /// further axes (convolution taps) are copied whole.
    private static func copy(_ source: Tensor, into target: Tensor, rows: [Int]?, columns: [Int]?) {
        var selected = source
        if let rows { selected = selected.indexSelect(axis: 0, indices: rows) }
        if let columns { selected = selected.indexSelect(axis: 1, indices: columns) }
        precondition(selected.shape == target.shape, "StudentPruning: selected \(selected.shape) for a \(target.shape) tensor")
        target.assign(selected)
    }
}
