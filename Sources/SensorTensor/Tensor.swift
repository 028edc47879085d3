/// A dense, row-major Float32 tensor of any rank that records the ops applied to it for
/// reverse-mode differentiation.
///
/// Elements are always contiguous: `reshape`, `squeeze`, `unsqueeze` and leading-axis slices are
/// views that share storage; other layout changes (transpose, permute) copy. Matrix products take
/// transpose flags instead, so the hot paths never copy to transpose.
public final class Tensor: @unchecked Sendable {
    /// Sizes of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    let storage: TensorStorage
    /// Offset of element 0 inside `storage`, for views.
    let offset: Int

    /// Whether gradients flow to this tensor. Set on leaves (parameters, inputs under test);
    /// op results inherit it from their inputs.
    public var requiresGrad: Bool
    /// Accumulated gradient of the last `backward()` calls, for leaves that require it.
    public var grad: Tensor?
    /// How this tensor was computed, while the graph is alive.
    var gradFunction: GradFunction?

    init(shape: [Int], storage: TensorStorage, offset: Int = 0, requiresGrad: Bool = false) {
        let n = Shape.count(shape)
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(offset + n <= storage.count, "Tensor: view of \(n) elements at \(offset) exceeds storage \(storage.count)")
        self.shape = shape
        self.count = n
        self.storage = storage
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// A tensor with uninitialised elements, for kernels that write every element.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: Shape.count(shape)))
    }

    /// A tensor of `shape` filled with `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: Shape.count(shape), repeating: value),
                  requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        precondition(Shape.count(shape) == scalars.count,
                     "Tensor(shape:scalars:): shape \(shape) needs \(Shape.count(shape)) values, got \(scalars.count)")
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: scalars.count), requiresGrad: requiresGrad)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: scalars.count) }
        }
    }

    /// A scalar tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], scalars: [value], requiresGrad: requiresGrad)
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
    }

    public var rank: Int { shape.count }

    /// Read-only access to the elements; the pointer is valid inside `body` only.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// Mutable access to the elements. Only for tensors outside a live graph (fresh outputs,
    /// parameters inside an optimizer step, gradients).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// Base pointer of the elements, for kernels inside the engine.
    var data: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// The elements as an array, row-major.
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return data[0]
    }

    /// A deep copy that does not share storage and is not part of any graph.
    public func copy() -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.data.update(from: data, count: count)
        return result
    }

    /// The same elements, cut off from the graph (shares storage).
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// Copies `source`'s elements into this tensor in place (same element count), outside any graph.
    public func assign(_ source: Tensor) {
        precondition(source.count == count, "assign: \(source.shape) into \(shape)")
        data.update(from: source.data, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
