/// Shape arithmetic shared by all ops: element counts, strides, axis normalisation, broadcasting.
public enum Shape {
    /// Number of elements of a tensor of this shape (1 for a scalar).
    @inlinable public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    /// Row-major strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Maps a possibly negative axis into `0..<rank`, naming the op on failure.
    public static func normalize(axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "\(op): axis \(axis) is out of range for rank \(rank)")
        return a
    }

    /// NumPy broadcasting of two shapes, naming the op and both shapes on failure.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1,
                         "\(op): shapes \(a) and \(b) cannot be broadcast together")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides to read a tensor of `shape` as if it had `target` shape (0 on broadcast axes).
    public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
            result[i + offset] = shape[i] == 1 ? 0 : own[i]
        }
        return result
    }
}
