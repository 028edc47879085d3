import CBLAS
import Foundation

/// A reference-counted, 64-byte aligned buffer of `Float`s.
///
/// Several tensors may share one storage (reshape and leading-axis slices are views), so the
/// storage is a class and is freed when the last tensor that uses it goes away.
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Activations of a training step are freed and allocated again every step. By default glibc
    /// serves blocks over 128 KiB with fresh mmap calls and trims the heap eagerly, so each step
    /// pays page faults to zero memory it just returned; keeping blocks up to 32 MiB in the heap
    /// reuses them instead.
    private static let allocatorTuned: Void = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        #endif
    }()

    /// Allocates uninitialised memory for `count` floats.
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        _ = TensorStorage.allocatorTuned
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

/// Process-level memory hygiene for the engine's allocations.
public enum TensorMemory {
    /// Returns free heap memory to the operating system (glibc `malloc_trim`). The engine keeps
    /// freed activation blocks in the heap for reuse within a workload; call this between two
    /// independent workloads so the second does not stack its peak on the first one's leftovers.
    public static func releaseFreeMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
