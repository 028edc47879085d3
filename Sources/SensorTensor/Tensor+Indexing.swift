/// Indexing ops with their derivatives: index-select, gather, masked fill, where, and one-hot.
///
/// Legend: for an op along axis `a`, the tensor is read as [O, size of a, I] (O, I the products of
/// the axes before and after `a`). Masks and conditions are Float tensors where non-zero means true.
extension Tensor {
    /// The slices at `indices` along `axis`, in that order (repeats allowed): [O, K, I] for K
    /// indices. Backward: index-add — each slice of G is added back at its index.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "indexSelect")
        let size = shape[a]
        for index in indices {
            precondition(index >= 0 && index < size,
                         "indexSelect: index \(index) is out of bounds for axis \(axis) of size \(size) in \(shape)")
        }
        var newShape = shape
        newShape[a] = indices.count
        let (outer, inner) = outerAndInner(around: a)
        let result = Tensor(uninitializedShape: newShape)
        let x = UnsafePointer(data), y = result.data, k = indices.count
        indices.withUnsafeBufferPointer { picks in
            Threading.parallelFor(outer, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(k * inner, 1))) { range in
                for o in range {
                    for j in 0..<k {
                        (y + (o * k + j) * inner).update(from: x + (o * size + picks[j]) * inner, count: inner)
                    }
                }
            }
        }
        let sourceShape = shape
        return Tensor.record(result, op: "indexSelect", inputs: [self]) { g in
            let gradient = Tensor.zeros(sourceShape)
            let gy = UnsafePointer(g.data), gx = gradient.data
            // Rows o are independent; inside a row, repeated indices add in index order.
            indices.withUnsafeBufferPointer { picks in
                Threading.parallelFor(outer, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(k * inner, 1))) { range in
                    for o in range {
                        for j in 0..<k {
                            let from = gy + (o * k + j) * inner, to = gx + (o * size + picks[j]) * inner
                            for i in 0..<inner { to[i] += from[i] }
                        }
                    }
                }
            }
            return [gradient]
        }
    }

    /// `torch.gather`: result[p] = self[p with its `axis` coordinate replaced by indices[p]], for
    /// every position p of `indexShape` (same rank as self, no larger than self outside `axis`).
    /// `indices` is row-major with shape `indexShape`. Backward: G scatter-added to the gathered
    /// positions.
    public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "gather")
        precondition(indexShape.count == rank && Shape.count(indexShape) == indices.count,
                     "gather: index shape \(indexShape) with \(indices.count) indices does not fit input \(shape)")
        for d in 0..<rank where d != a {
            precondition(indexShape[d] <= shape[d], "gather: index shape \(indexShape) exceeds input \(shape) on axis \(d)")
        }
        // Source offset of every result element: its own coordinates except along `axis`.
        let strides = Shape.strides(shape)
        var offsets = [Int](repeating: 0, count: indices.count)
        var coordinate = [Int](repeating: 0, count: rank)
        var base = 0
        for n in 0..<indices.count {
            let index = indices[n]
            precondition(index >= 0 && index < shape[a],
                         "gather: index \(index) is out of bounds for axis \(axis) of size \(shape[a]) in \(shape)")
            offsets[n] = base + index * strides[a]
            var d = rank - 1
            while d >= 0 {
                coordinate[d] += 1
                if d != a { base += strides[d] }
                if coordinate[d] < indexShape[d] { break }
                if d != a { base -= strides[d] * indexShape[d] }
                coordinate[d] = 0
                d -= 1
            }
        }
        let result = Tensor(uninitializedShape: indexShape)
        let x = data, y = result.data
        for n in 0..<offsets.count { y[n] = x[offsets[n]] }
        let sourceShape = shape
        return Tensor.record(result, op: "gather", inputs: [self]) { g in
            let gradient = Tensor.zeros(sourceShape)
            let gx = gradient.data, gy = g.data
            for n in 0..<offsets.count { gx[offsets[n]] += gy[n] }
            return [gradient]
        }
    }

    /// `value` where `mask` (broadcastable to self) is non-zero, else self. Backward: G where the
    /// mask is zero, 0 where filled; the mask gets no gradient.
    public func maskedFill(_ mask: Tensor, value: Float) -> Tensor {
        precondition(Shape.broadcast(shape, mask.shape, op: "maskedFill") == shape,
                     "maskedFill: mask \(mask.shape) does not broadcast to \(shape)")
        let result = Tensor.broadcastBinary(self, mask, op: "maskedFill") { x, sx, m, sm, y, n in
            for i in 0..<n { y[i] = m[i * sm] != 0 ? value : x[i * sx] }
        }
        return Tensor.record(result, op: "maskedFill", inputs: [self, mask]) { g in
            [Tensor.broadcastBinary(g, mask, op: "maskedFill backward") { gy, sg, m, sm, gx, n in
                for i in 0..<n { gx[i] = m[i * sm] != 0 ? 0 : gy[i * sg] }
            }, nil]
        }
    }

    /// Element-wise choice: `a` where `condition` is non-zero, else `b`; all three broadcast to a
    /// common shape. Backward: G to `a` where the condition holds, to `b` elsewhere, each summed
    /// back to its own shape; the condition gets no gradient.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let result = Tensor(uninitializedShape: shape)
        let c = UnsafePointer(condition.data), pa = UnsafePointer(a.data), pb = UnsafePointer(b.data), y = result.data
        BroadcastWalk(outputShape: shape, operandShapes: [condition.shape, a.shape, b.shape])
            .forEachRow { offset, offsets, length, strides in
                let cr = c + offsets[0], ar = pa + offsets[1], br = pb + offsets[2], out = y + offset
                let sc = strides[0], sa = strides[1], sb = strides[2]
                for i in 0..<length { out[i] = cr[i * sc] != 0 ? ar[i * sa] : br[i * sb] }
            }
        return record(result, op: "where", inputs: [condition, a, b]) { g in
            // G split by the condition: G·[c ≠ 0] to a, G·[c = 0] to b.
            func routed(toTrue: Bool) -> Tensor {
                broadcastBinary(g, condition, op: "where backward") { gy, sg, m, sm, out, n in
                    for i in 0..<n { out[i] = (m[i * sm] != 0) == toTrue ? gy[i * sg] : 0 }
                }
            }
            return [nil,
                    a.requiresGrad ? routed(toTrue: true).summedToBroadcastSource(a.shape) : nil,
                    b.requiresGrad ? routed(toTrue: false).summedToBroadcastSource(b.shape) : nil]
        }
    }

    /// Rows of the identity: [indices.count, classes] with a 1 at (k, indices[k]). Not differentiable.
    public static func oneHot(indices: [Int], classes: Int) -> Tensor {
        precondition(classes > 0, "oneHot: classes must be positive, got \(classes)")
        let result = Tensor.zeros([indices.count, classes])
        let y = result.data
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < classes, "oneHot: index \(index) is out of bounds for \(classes) classes")
            y[row * classes + index] = 1
        }
        return result
    }
}
