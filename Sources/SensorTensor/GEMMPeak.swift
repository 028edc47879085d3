import Foundation

/// Measures what OpenBLAS's sgemm reaches on this machine right now, the denominator of model FLOP
/// utilisation. Boost clocks vary, so benchmarks measure it in the same process, just before timing.
public enum GEMMPeak {
    /// Best GFLOP/s of C[M×N] = A[M×K]·B[K×N] over the given shapes, each run `repeats` times after one
    /// warm-up, with the current thread budget.
    public static func measure(shapes: [(m: Int, k: Int, n: Int)], repeats: Int = 5) -> Double {
        var best = 0.0
        var generator = RandomGenerator(seed: 0)
        for shape in shapes {
            let a = Tensor.uniform([shape.m, shape.k], generator: &generator)
            let b = Tensor.uniform([shape.k, shape.n], generator: &generator)
            let c = Tensor(uninitializedShape: [shape.m, shape.n])
            func product() {
                BLAS.sgemm(transposeA: false, transposeB: false, m: shape.m, n: shape.n, k: shape.k,
                           a: a.data, lda: shape.k, b: b.data, ldb: shape.n, c: c.data, ldc: shape.n)
            }
            product()
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { product() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, 2.0 * Double(shape.m * shape.k * shape.n * repeats) / seconds / 1e9)
        }
        return best
    }
}
