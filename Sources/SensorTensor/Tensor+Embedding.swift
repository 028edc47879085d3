/// Embedding lookup: rows of a table gathered by integer indices, with the index-add backward.
///
/// Legend: V table rows (vocabulary), D embedding width, I = number of indices.
extension Tensor {
    /// Gathers `weight` [V, D] rows at `indices` (I values, each in 0..<V) -> indexShape + [D],
    /// where `indexShape` describes how the I indices are laid out (its element count is I).
    /// The backward adds each output row's gradient into the weight gradient's row (repeated
    /// indices accumulate, in index order).
    public static func embedding(weight: Tensor, indices: [Int], indexShape: [Int]) -> Tensor {
        precondition(weight.rank == 2, "embedding: weight must be [V, D], got \(weight.shape)")
        precondition(Shape.count(indexShape) == indices.count,
                     "embedding: index shape \(indexShape) needs \(Shape.count(indexShape)) indices, got \(indices.count)")
        let rows = weight.shape[0], width = weight.shape[1]
        for index in indices {
            precondition(index >= 0 && index < rows, "embedding: index \(index) is outside 0..<\(rows) for weight \(weight.shape)")
        }
        let result = Tensor(uninitializedShape: indexShape + [width])
        let table = UnsafePointer(weight.data), out = result.data
        indices.withUnsafeBufferPointer { positions in
            for i in 0..<positions.count { (out + i * width).update(from: table + positions[i] * width, count: width) }
        }
        return record(result, op: "embedding", inputs: [weight]) { g in
            // dW[indices[i]] += G[i]
            let dw = Tensor.zeros(weight.shape)
            let gp = UnsafePointer(g.data), target = dw.data
            indices.withUnsafeBufferPointer { positions in
                for i in 0..<positions.count {
                    let row = target + positions[i] * width, source = gp + i * width
                    for j in 0..<width { row[j] += source[j] }
                }
            }
            return [dw]
        }
    }
}
