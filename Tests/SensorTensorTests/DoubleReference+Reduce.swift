/// Reductions over axes (all axes when nil), optionally keeping them with size 1.
extension DoubleReference {
    static func sum(_ x: DoubleTensor, axes: [Int]? = nil, keepDims: Bool = false) -> DoubleTensor {
        x.reduced(axes: axes, keepDims: keepDims) { $0.reduce(0, +) }
    }

    static func mean(_ x: DoubleTensor, axes: [Int]? = nil, keepDims: Bool = false) -> DoubleTensor {
        x.reduced(axes: axes, keepDims: keepDims) { $0.reduce(0, +) / Double($0.count) }
    }

    static func max(_ x: DoubleTensor, axes: [Int]? = nil, keepDims: Bool = false) -> DoubleTensor {
        x.reduced(axes: axes, keepDims: keepDims) { $0.max()! }
    }

    static func min(_ x: DoubleTensor, axes: [Int]? = nil, keepDims: Bool = false) -> DoubleTensor {
        x.reduced(axes: axes, keepDims: keepDims) { $0.min()! }
    }

    /// Σ(x − mean)² / n, or / (n − 1) when `unbiased`.
    static func variance(_ x: DoubleTensor, axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) -> DoubleTensor {
        x.reduced(axes: axes, keepDims: keepDims) { group in
            let mean = group.reduce(0, +) / Double(group.count)
            return group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(group.count - (unbiased ? 1 : 0))
        }
    }
}
