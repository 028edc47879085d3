import CBLAS
import Foundation

/// Thin, shape-checked wrappers over CBLAS for the engine's kernels.
///
/// OpenBLAS itself always runs on one thread; large products are split into row (or column)
/// blocks over the engine's own thread budget instead. One pool then serves GEMMs, the engine's
/// loops and GEMMs called from inside those loops (attention over heads), and no idle OpenBLAS
/// worker spins in `sched_yield` while the engine's threads run elementwise kernels.
enum BLAS {
    private static let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

    /// Products smaller than this many multiply-adds stay on one thread.
    static let parallelThreshold = 1 << 20

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, where op(A) is m×k and op(B) is k×n.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched when k == 0 only for beta == 1; make the product's zero explicit.
            for row in 0..<m { for column in 0..<n { c[row * ldc + column] *= beta } }
            return
        }
        _ = openBLASSingleThreaded
        let threads = Threading.threadCount
        guard threads > 1, m * n * k >= parallelThreshold else {
            call(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Each block's GEMM packs its own share of the split operand and all of the other one, so
        // split the dimension that leaves the smaller operand duplicated: rows (m) duplicate op(B)
        // (k×n), columns (n) duplicate op(A) (m×k). This matters for weight gradients
        // dW [O, I] = Gᵀ·X with I > O, whose X is a [tokens, I] activation.
        let splitRows = n < 16 * threads || (m >= 16 * threads && n <= m)
        if splitRows {
            // Row blocks of C: rows of op(A) start at a + r·lda (stored as is) or a + r (transposed).
            Threading.parallelFor(m, minimumPerThread: 16) { rows in
                let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
                call(transposeA, transposeB, rows.count, n, k, alpha, aBlock, lda, b, ldb, beta,
                     c + rows.lowerBound * ldc, ldc)
            }
        } else {
            // Column blocks of C: columns of op(B) start at b + j (stored as is) or b + j·ldb (transposed).
            Threading.parallelFor(n, minimumPerThread: 16) { columns in
                let bBlock = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
                call(transposeA, transposeB, m, columns.count, k, alpha, a, lda, bBlock, ldb, beta,
                     c + columns.lowerBound, ldc)
            }
        }
    }

    /// One OpenBLAS call. For beta = 0, C is cleared here with memset (vector stores) and the
    /// product accumulated with beta = 1: OpenBLAS 0.3.21 clears C in `sgemm_beta` with one scalar
    /// store per element, which costs a quarter of the arithmetic for attention's 66×66×32 products.
    /// The result is the same: the kernel adds alpha·op(A)·op(B) to +0 either way.
    @inline(__always)
    private static func call(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        var beta = beta
        if beta == 0 {
            let rowBytes = n * MemoryLayout<Float>.stride
            if ldc == n {
                memset(c, 0, m * rowBytes)
            } else {
                for row in 0..<m { memset(c + row * ldc, 0, rowBytes) }
            }
            beta = 1
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
