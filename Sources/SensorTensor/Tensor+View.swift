/// Views that share storage: reshape, squeeze, unsqueeze, and slices of the leading axis.
extension Tensor {
    /// The same elements with a new shape (one axis may be -1 and is inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) for \(count) elements of \(shape)")
            target[inferred] = count / known
        }
        precondition(Shape.count(target) == count, "reshape: \(shape) (\(count) elements) cannot become \(newShape)")
        if target == shape { return self }
        let view = Tensor(shape: target, storage: storage, offset: offset)
        let sourceShape = shape
        return Tensor.record(view, op: "reshape", inputs: [self]) { g in [g.reshaped(sourceShape)] }
    }
}
