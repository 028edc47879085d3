#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

// Four-lane helpers for the optimizers' fused loops.
//
// `Float.squareRoot()` on Linux lowers to libm's `sqrtf` with an errno slow path, which keeps
// LLVM from vectorising any loop that contains it; `sqrtps` is the same correctly rounded square
// root on four lanes at once.

@inline(__always)
func load(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always)
func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always)
func store(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD4<Float>.self)
}

/// Lane-wise IEEE square root.
@inline(__always)
func squareRoot(_ value: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    return _mm_sqrt_ps(value)
    #else
    return value.squareRoot()
    #endif
}
