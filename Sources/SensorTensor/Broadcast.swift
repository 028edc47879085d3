/// Walks the elements of a broadcast result, handing out the matching element offsets of the
/// operands. The innermost axis is a run handed to the kernel in one call so its loop vectorises.
struct BroadcastWalk {
    let outputShape: [Int]
    let operandStrides: [[Int]]

    init(outputShape: [Int], operandShapes: [[Int]]) {
        self.outputShape = outputShape
        operandStrides = operandShapes.map { Shape.broadcastStrides($0, to: outputShape) }
    }

    /// Calls `run(outputOffset, operandOffsets, length, operandInnerStrides)` for each innermost row.
    func forEachRow(_ run: (Int, [Int], Int, [Int]) -> Void) {
        let rank = outputShape.count
        guard rank > 0 else { run(0, operandStrides.map { _ in 0 }, 1, operandStrides.map { _ in 0 }); return }
        let inner = outputShape[rank - 1]
        let innerStrides = operandStrides.map { $0[rank - 1] }
        let rows = Shape.count(Array(outputShape.dropLast()))
        guard inner > 0, rows > 0 else { return }
        var index = [Int](repeating: 0, count: rank - 1)
        var offsets = [Int](repeating: 0, count: operandStrides.count)
        for row in 0..<rows {
            run(row * inner, offsets, inner, innerStrides)
            // Advance the odometer over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                for o in 0..<offsets.count { offsets[o] += operandStrides[o][axis] }
                if index[axis] < outputShape[axis] { break }
                for o in 0..<offsets.count { offsets[o] -= operandStrides[o][axis] * outputShape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums this gradient over the axes along which an operand of `shape` was broadcast, giving a
    /// tensor of `shape` (the backward of broadcasting).
    func sumToShape(_ shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let result = Tensor.zeros(shape)
        let out = result.data
        let source = data
        let walk = BroadcastWalk(outputShape: self.shape, operandShapes: [shape])
        walk.forEachRow { outputOffset, offsets, length, strides in
            let target = out + offsets[0]
            let row = source + outputOffset
            if strides[0] == 0 {
                var total: Float = 0
                for i in 0..<length { total += row[i] }
                target[0] += total
            } else {
                for i in 0..<length { target[i] += row[i] }
            }
        }
        return result
    }
}
