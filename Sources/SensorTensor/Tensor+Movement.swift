/// Layout changes with their derivatives: permute, transpose, expand, squeeze, unsqueeze, slice,
/// concatenate, stack, split.
///
/// Legend: for an op along axis `a`, O is the product of the axes before `a` and I the product of
/// the axes after it, so the tensor is read as [O, size of a, I].
extension Tensor {
    /// Product of the axes before `axis` (O) and after it (I).
    func outerAndInner(around axis: Int) -> (outer: Int, inner: Int) {
        var outer = 1, inner = 1
        for index in 0..<axis { outer *= shape[index] }
        for index in (axis + 1)..<rank { inner *= shape[index] }
        return (outer, inner)
    }

    /// A fresh contiguous tensor of `shape` whose element (i₀, …, iₖ) is source[Σ iₐ·strides[a]].
    /// Strides may be 0 (broadcast) or any permutation of a row-major layout. Adjacent axes that
    /// read memory in one run are merged first so the innermost copy is as long as possible.
    static func stridedCopy(from source: UnsafePointer<Float>, strides: [Int], shape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        guard result.count > 0 else { return result }
        // Drop size-1 axes and merge axis pairs where the outer stride equals inner stride × size.
        var sizes: [Int] = [], steps: [Int] = []
        for (size, step) in zip(shape, strides) where size != 1 {
            if let lastSize = sizes.last, let lastStep = steps.last, lastStep == step * size {
                sizes[sizes.count - 1] = lastSize * size
                steps[steps.count - 1] = step
            } else {
                sizes.append(size)
                steps.append(step)
            }
        }
        let out = result.data
        guard let inner = sizes.last, let innerStep = steps.last else {
            out[0] = source[0]
            return result
        }
        let outerRank = sizes.count - 1
        let rows = result.count / inner
        Threading.parallelFor(rows, minimumPerThread: Swift.max(1, (1 << 15) / inner)) { range in
            // Start an odometer over the outer axes at this range's first row.
            var index = [Int](repeating: 0, count: outerRank)
            var remainder = range.lowerBound, offset = 0
            for axis in stride(from: outerRank - 1, through: 0, by: -1) {
                index[axis] = remainder % sizes[axis]
                remainder /= sizes[axis]
                offset += index[axis] * steps[axis]
            }
            for row in range {
                let target = out + row * inner, start = source + offset
                if innerStep == 1 {
                    target.update(from: start, count: inner)
                } else {
                    for i in 0..<inner { target[i] = start[i * innerStep] }
                }
                var axis = outerRank - 1
                while axis >= 0 {
                    index[axis] += 1
                    offset += steps[axis]
                    if index[axis] < sizes[axis] { break }
                    offset -= steps[axis] * sizes[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return result
    }

    /// Axes reordered: result axis i is input axis `axes[i]` (negative values count from the end).
    /// Copies. Backward: the inverse permutation of G.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank, "permuted: \(axes) is not a permutation of the axes of \(shape)")
        let order = axes.map { Shape.normalize(axis: $0, rank: rank, op: "permuted") }
        precondition(Set(order).count == rank, "permuted: \(axes) is not a permutation of the axes of \(shape)")
        if order == Array(0..<rank) { return self }
        let sourceStrides = Shape.strides(shape)
        let result = Tensor.stridedCopy(from: data, strides: order.map { sourceStrides[$0] },
                                        shape: order.map { shape[$0] })
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in order.enumerated() { inverse[axis] = position }
        return Tensor.record(result, op: "permute", inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Two axes swapped (by default the last two). Copies.
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        let first = Shape.normalize(axis: axis0, rank: rank, op: "transposed")
        let second = Shape.normalize(axis: axis1, rank: rank, op: "transposed")
        var order = Array(0..<rank)
        order.swapAt(first, second)
        return permuted(order)
    }

    /// A broadcast copy to `target` (NumPy rules: new leading axes, size-1 axes repeated).
    /// Backward: G summed over the broadcast axes.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(target.count >= rank, "expanded: \(shape) cannot be expanded to the lower rank \(target)")
        precondition(Shape.broadcast(shape, target, op: "expanded") == target,
                     "expanded: \(shape) cannot be expanded to \(target)")
        if target == shape { return self }
        let result = Tensor.stridedCopy(from: data, strides: Shape.broadcastStrides(shape, to: target), shape: target)
        let sourceShape = shape
        return Tensor.record(result, op: "expand", inputs: [self]) { g in [g.summedToBroadcastSource(sourceShape)] }
    }

    /// The size-1 axis `axis` removed (a view).
    public func squeezed(axis: Int) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "squeezed")
        precondition(shape[a] == 1, "squeezed: axis \(axis) of \(shape) has size \(shape[a]), not 1")
        var newShape = shape
        newShape.remove(at: a)
        return reshaped(newShape)
    }

    /// A size-1 axis inserted at `axis` of the result (in −(rank+1)...rank; a view).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank + 1, op: "unsqueezed")
        var newShape = shape
        newShape.insert(1, at: a)
        return reshaped(newShape)
    }

    /// The elements with index in `range` along `axis`. A view that shares storage when the axes
    /// before `axis` have size 1 (always for axis 0), otherwise a copy. Backward: G scattered into
    /// zeros of the input's shape.
    public func sliced(axis: Int, range: Range<Int>) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank, op: "sliced")
        let size = shape[a]
        precondition(range.lowerBound >= 0 && range.upperBound <= size,
                     "sliced: range \(range) is outside axis \(axis) of size \(size) in \(shape)")
        if range.count == size { return self }
        var newShape = shape
        newShape[a] = range.count
        let (outer, inner) = outerAndInner(around: a)
        let result: Tensor
        if outer == 1 {
            result = Tensor(shape: newShape, storage: storage, offset: offset + range.lowerBound * inner)
        } else {
            result = Tensor(uninitializedShape: newShape)
            Tensor.copyRows(outer: outer, from: data + range.lowerBound * inner, sourceRow: size * inner,
                            to: result.data, targetRow: range.count * inner, length: range.count * inner)
        }
        let sourceShape = shape
        return Tensor.record(result, op: "slice", inputs: [self]) { g in
            let gradient = Tensor.zeros(sourceShape)
            Tensor.copyRows(outer: outer, from: g.data, sourceRow: range.count * inner,
                            to: gradient.data + range.lowerBound * inner, targetRow: size * inner,
                            length: range.count * inner)
            return [gradient]
        }
    }

    /// Copies `outer` runs of `length` elements; run o starts at o·sourceRow in the source and at
    /// o·targetRow in the target.
    static func copyRows(outer: Int, from source: UnsafePointer<Float>, sourceRow: Int,
                         to target: UnsafeMutablePointer<Float>, targetRow: Int, length: Int) {
        guard length > 0 else { return }
        Threading.parallelFor(outer, minimumPerThread: Swift.max(1, (1 << 15) / length)) { range in
            for o in range { (target + o * targetRow).update(from: source + o * sourceRow, count: length) }
        }
    }

    /// The tensors joined along `axis`; all other axes must agree. Backward: G cut back into
    /// the pieces.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: needs at least one tensor")
        let first = tensors[0]
        let a = Shape.normalize(axis: axis, rank: first.rank, op: "concatenate")
        for tensor in tensors {
            var same = tensor.rank == first.rank
            if same { for index in 0..<first.rank where index != a && tensor.shape[index] != first.shape[index] { same = false } }
            precondition(same, "concatenate: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        let sizes = tensors.map { $0.shape[a] }
        var shape = first.shape
        shape[a] = sizes.reduce(0, +)
        let result = Tensor(uninitializedShape: shape)
        let (outer, inner) = result.outerAndInner(around: a)
        var start = 0
        for (tensor, size) in zip(tensors, sizes) {
            copyRows(outer: outer, from: tensor.data, sourceRow: size * inner,
                     to: result.data + start * inner, targetRow: shape[a] * inner, length: size * inner)
            start += size
        }
        let needsGradient = tensors.map(\.requiresGrad)
        return record(result, op: "concatenate", inputs: tensors) { g in
            var lower = 0
            return zip(needsGradient, sizes).map { needed, size in
                defer { lower += size }
                return needed ? g.sliced(axis: a, range: lower..<(lower + size)) : nil
            }
        }
    }

    /// The tensors (all of one shape S) joined along a new axis `axis` of the result
    /// (in −(rank+1)...rank): [S…] × count -> shape with `count` inserted at `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "stack: needs at least one tensor")
        let shape = tensors[0].shape
        precondition(tensors.allSatisfy { $0.shape == shape }, "stack: shapes \(tensors.map(\.shape)) differ")
        let a = Shape.normalize(axis: axis, rank: shape.count + 1, op: "stack")
        return concatenate(tensors.map { $0.unsqueezed(axis: a) }, axis: a)
    }

    /// Consecutive pieces along `axis` of the given sizes, which must add up to the axis size.
    /// Each piece is a `sliced` result (a view along a leading axis, else a copy).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = Shape.normalize(axis: axis, rank: rank, op: "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
                     "split: sizes \(sizes) do not add up to axis \(axis) of size \(shape[a]) in \(shape)")
        var lower = 0
        return sizes.map { size in
            defer { lower += size }
            return sliced(axis: a, range: lower..<(lower + size))
        }
    }
}
