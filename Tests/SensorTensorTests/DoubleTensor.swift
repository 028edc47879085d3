@testable import SensorTensor

/// A row-major array of Doubles with a shape: what the Double-precision reference ops
/// (`DoubleReference`) take and return. Plain loops over multi-indices, no engine code, so the
/// references share nothing with the Float32 kernels they check.
struct DoubleTensor {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "DoubleTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, values: tensor.scalars.map(Double.init))
    }

    /// The tensor whose element at each multi-index of `shape` is `element(index)`.
    init(shape: [Int], _ element: ([Int]) -> Double) {
        let count = shape.reduce(1, *)
        var values = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0..<count {
            values[flat] = element(index)
            DoubleTensor.advance(&index, in: shape)
        }
        self.init(shape: shape, values: values)
    }

    var count: Int { values.count }
    var rank: Int { shape.count }

    /// The engine's Float32 tensor of these values (for comparing forward results).
    var tensor: Tensor { Tensor(shape: shape, scalars: values.map(Float.init)) }

    /// The flat position of a multi-index.
    func offset(_ index: [Int]) -> Int {
        var offset = 0
        for axis in 0..<rank { offset = offset * shape[axis] + index[axis] }
        return offset
    }

    /// The multi-index of a flat position.
    func index(_ offset: Int) -> [Int] {
        var index = [Int](repeating: 0, count: rank), rest = offset
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    subscript(_ index: [Int]) -> Double {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }

    /// The element that a multi-index of a larger broadcast shape reads: axes aligned on the right,
    /// size-1 axes read at 0.
    func broadcastElement(_ index: [Int]) -> Double {
        let lead = index.count - rank
        return self[(0..<rank).map { shape[$0] == 1 ? 0 : index[lead + $0] }]
    }

    /// An axis in −rank..<rank as 0..<rank.
    func axis(_ axis: Int) -> Int { axis < 0 ? axis + rank : axis }

    func map(_ transform: (Double) -> Double) -> DoubleTensor {
        DoubleTensor(shape: shape, values: values.map(transform))
    }

    /// NumPy broadcasting: the shapes aligned on the right, each axis equal or 1 in one of them.
    static func broadcastShape(_ shapes: [[Int]]) -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        return (0..<rank).map { axis in
            shapes.map { shape in
                let position = axis - (rank - shape.count)
                return position >= 0 ? shape[position] : 1
            }.max() ?? 1
        }
    }

    /// f applied element-wise to broadcast operands.
    static func broadcast(_ a: DoubleTensor, _ b: DoubleTensor, _ combine: (Double, Double) -> Double) -> DoubleTensor {
        DoubleTensor(shape: broadcastShape([a.shape, b.shape])) { combine(a.broadcastElement($0), b.broadcastElement($0)) }
    }

    /// Each group of elements that agree outside `axes` (every axis when nil) reduced by `combine`;
    /// the reduced axes are dropped, or kept with size 1.
    func reduced(axes: [Int]?, keepDims: Bool, _ combine: ([Double]) -> Double) -> DoubleTensor {
        let reducedAxes = Set((axes ?? Array(0..<rank)).map(axis))
        let keptShape = (0..<rank).map { reducedAxes.contains($0) ? 1 : shape[$0] }
        var groups = [[Double]](repeating: [], count: keptShape.reduce(1, *))
        let kept = DoubleTensor(shape: keptShape, values: [Double](repeating: 0, count: groups.count))
        for flat in 0..<count {
            let index = self.index(flat)
            groups[kept.offset((0..<rank).map { reducedAxes.contains($0) ? 0 : index[$0] })].append(values[flat])
        }
        let outputShape = keepDims ? keptShape : (0..<rank).filter { !reducedAxes.contains($0) }.map { shape[$0] }
        return DoubleTensor(shape: outputShape, values: groups.map(combine))
    }

    /// Steps a multi-index to the next row-major position.
    static func advance(_ index: inout [Int], in shape: [Int]) {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { return }
            index[axis] = 0
            axis -= 1
        }
    }
}
