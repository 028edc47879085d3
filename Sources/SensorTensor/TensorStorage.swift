import Foundation

/// A reference-counted, 64-byte aligned buffer of `Float`s.
///
/// Several tensors may share one storage (reshape and leading-axis slices are views), so the
/// storage is a class and is freed when the last tensor that uses it goes away.
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Allocates uninitialised memory for `count` floats.
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let status = posix_memalign(&raw, 64, bytes)
        precondition(status == 0 && raw != nil, "TensorStorage: out of memory allocating \(bytes) bytes")
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` floats set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        if value == 0 {
            memset(pointer, 0, count * MemoryLayout<Float>.stride)
        } else {
            pointer.initialize(repeating: value, count: count)
        }
    }

    deinit { free(pointer) }
}
