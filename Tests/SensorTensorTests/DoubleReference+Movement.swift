/// Shape, movement and indexing ops: each output element read from the input element it names.
extension DoubleReference {
    /// The same row-major values under `shape` (one entry may be −1, inferred).
    static func reshape(_ x: DoubleTensor, _ shape: [Int]) -> DoubleTensor {
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        return DoubleTensor(shape: shape.map { $0 == -1 ? x.count / known : $0 }, values: x.values)
    }

    /// Output axis i is input axis axes[i].
    static func permute(_ x: DoubleTensor, _ axes: [Int]) -> DoubleTensor {
        let axes = axes.map(x.axis)
        return DoubleTensor(shape: axes.map { x.shape[$0] }) { index in
            var source = [Int](repeating: 0, count: x.rank)
            for (position, axis) in axes.enumerated() { source[axis] = index[position] }
            return x[source]
        }
    }

    static func transpose(_ x: DoubleTensor, _ first: Int = -2, _ second: Int = -1) -> DoubleTensor {
        var axes = Array(0..<x.rank)
        axes.swapAt(x.axis(first), x.axis(second))
        return permute(x, axes)
    }

    static func expand(_ x: DoubleTensor, to shape: [Int]) -> DoubleTensor {
        DoubleTensor(shape: shape) { x.broadcastElement($0) }
    }

    static func squeeze(_ x: DoubleTensor, axis: Int) -> DoubleTensor {
        var shape = x.shape
        shape.remove(at: x.axis(axis))
        return reshape(x, shape)
    }

    static func unsqueeze(_ x: DoubleTensor, axis: Int) -> DoubleTensor {
        var shape = x.shape
        shape.insert(1, at: axis < 0 ? axis + x.rank + 1 : axis)
        return reshape(x, shape)
    }

    static func slice(_ x: DoubleTensor, axis: Int, range: Range<Int>) -> DoubleTensor {
        let a = x.axis(axis)
        var shape = x.shape
        shape[a] = range.count
        return DoubleTensor(shape: shape) { index in
            var source = index
            source[a] += range.lowerBound
            return x[source]
        }
    }

    static func concatenate(_ tensors: [DoubleTensor], axis: Int) -> DoubleTensor {
        let a = tensors[0].axis(axis)
        var shape = tensors[0].shape
        shape[a] = tensors.map { $0.shape[a] }.reduce(0, +)
        return DoubleTensor(shape: shape) { index in
            var source = index, part = 0
            while source[a] >= tensors[part].shape[a] {
                source[a] -= tensors[part].shape[a]
                part += 1
            }
            return tensors[part][source]
        }
    }

    /// Joins along a new axis `axis` of the result.
    static func stack(_ tensors: [DoubleTensor], axis: Int) -> DoubleTensor {
        let a = axis < 0 ? axis + tensors[0].rank + 1 : axis
        var shape = tensors[0].shape
        shape.insert(tensors.count, at: a)
        return DoubleTensor(shape: shape) { index in
            var source = index
            let part = source.remove(at: a)
            return tensors[part][source]
        }
    }

    static func split(_ x: DoubleTensor, sizes: [Int], axis: Int) -> [DoubleTensor] {
        var lower = 0
        return sizes.map { size in
            defer { lower += size }
            return slice(x, axis: axis, range: lower..<(lower + size))
        }
    }

    /// Positions `indices` of axis `axis`, in that order (repeats allowed).
    static func indexSelect(_ x: DoubleTensor, axis: Int, indices: [Int]) -> DoubleTensor {
        let a = x.axis(axis)
        var shape = x.shape
        shape[a] = indices.count
        return DoubleTensor(shape: shape) { index in
            var source = index
            source[a] = indices[index[a]]
            return x[source]
        }
    }

    /// torch.gather: out[i…] = x[i… with axis `axis` replaced by index[i…]].
    static func gather(_ x: DoubleTensor, axis: Int, indices: [Int], indexShape: [Int]) -> DoubleTensor {
        let a = x.axis(axis)
        let positions = DoubleTensor(shape: indexShape, values: indices.map(Double.init))
        return DoubleTensor(shape: indexShape) { index in
            var source = index
            source[a] = Int(positions[index])
            return x[source]
        }
    }

    /// `value` where the broadcast mask is non-zero, else x.
    static func maskedFill(_ x: DoubleTensor, mask: DoubleTensor, value: Double) -> DoubleTensor {
        DoubleTensor(shape: x.shape) { mask.broadcastElement($0) != 0 ? value : x[$0] }
    }

    /// a where the condition is non-zero, else b; all three broadcast.
    static func `where`(_ condition: DoubleTensor, _ a: DoubleTensor, _ b: DoubleTensor) -> DoubleTensor {
        DoubleTensor(shape: DoubleTensor.broadcastShape([condition.shape, a.shape, b.shape])) { index in
            condition.broadcastElement(index) != 0 ? a.broadcastElement(index) : b.broadcastElement(index)
        }
    }
}
