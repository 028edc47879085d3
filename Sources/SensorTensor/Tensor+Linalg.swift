/// Matrix products through `cblas_sgemm`, transposes passed as flags (no copies).
///
/// Legend: M, K, N are the product's rows, inner size and columns; `...` are batch axes.
extension Tensor {
    /// Matrix product of the last two axes: op(a)[..., M, K] · op(b)[..., K, N] -> [..., M, N], where
    /// op transposes the last two axes when its flag is set.
    ///
    /// `b` may be 2-D (a weight shared by every batch entry); then, when `a` is not transposed, the
    /// batch is folded into M and the product is one GEMM. Otherwise both need the same batch axes.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let a = self, b = other
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: operands need rank >= 2, got \(a.shape) and \(b.shape)")
        let aRows = a.shape[a.rank - 2], aColumns = a.shape[a.rank - 1]
        let bRows = b.shape[b.rank - 2], bColumns = b.shape[b.rank - 1]
        let m = transposeA ? aColumns : aRows, k = transposeA ? aRows : aColumns
        let kB = transposeB ? bColumns : bRows, n = transposeB ? bRows : bColumns
        precondition(k == kB, "matmul: inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchShape = Array(a.shape.dropLast(2))
        let sharedWeight = b.rank == 2
        if !sharedWeight {
            precondition(Array(b.shape.dropLast(2)) == batchShape,
                         "matmul: batch axes differ: \(a.shape) and \(b.shape)")
        }
        let batch = Shape.count(batchShape)
        let result = Tensor(uninitializedShape: batchShape + [m, n])
        if sharedWeight && !transposeA {
            BLAS.sgemm(transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k,
                       a: a.data, lda: aColumns, b: b.data, ldb: bColumns, c: result.data, ldc: n)
        } else {
            let bStride = sharedWeight ? 0 : bRows * bColumns
            for index in 0..<batch {
                BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                           a: a.data + index * aRows * aColumns, lda: aColumns,
                           b: b.data + index * bStride, ldb: bColumns,
                           c: result.data + index * m * n, ldc: n)
            }
        }
        return Tensor.record(result, op: "matmul", inputs: [a, b]) { g in
            // C = op(A)·op(B): dop(A) = G·op(B)ᵀ, dop(B) = op(A)ᵀ·G; undo op by swapping the factors.
            let gradA: Tensor? = a.requiresGrad
                ? (transposeA ? Tensor.transposedInputGradient(b: b, g: g, transposeB: transposeB, like: a)
                              : g.matmul(b, transposeB: !transposeB))
                : nil
            var gradB: Tensor? = nil
            if b.requiresGrad {
                gradB = sharedWeight
                    ? Tensor.sharedWeightGradient(a: a, g: g, transposeA: transposeA, transposeB: transposeB, k: k, m: m, n: n)
                    : (transposeB ? g.matmul(a, transposeA: true, transposeB: transposeA)
                                  : a.matmul(g, transposeA: !transposeA))
            }
            return [gradA, gradB]
        }
    }

    /// The gradient of a 2-D weight shared by every batch entry: the per-entry products summed,
    /// as one GEMM over the folded batch when `a` is not transposed.
    private static func sharedWeightGradient(a: Tensor, g: Tensor, transposeA: Bool, transposeB: Bool,
                                             k: Int, m: Int, n: Int) -> Tensor {
        let rowsTotal = Shape.count(Array(a.shape.dropLast(2)))
        let result = Tensor(uninitializedShape: transposeB ? [n, k] : [k, n])
        let aColumns = a.shape[a.rank - 1]
        if !transposeA {
            // A folded to [batch·M, K]; G folded to [batch·M, N].
            if transposeB {
                BLAS.sgemm(transposeA: true, transposeB: false, m: n, n: k, k: rowsTotal * m,
                           a: g.data, lda: n, b: a.data, ldb: aColumns, c: result.data, ldc: k)
            } else {
                BLAS.sgemm(transposeA: true, transposeB: false, m: k, n: n, k: rowsTotal * m,
                           a: a.data, lda: aColumns, b: g.data, ldb: n, c: result.data, ldc: n)
            }
            return result
        }
        // A stored [batch, K, M] (transposed use): accumulate one GEMM per batch entry.
        for index in 0..<rowsTotal {
            let aBase = a.data + index * k * m, gBase = g.data + index * m * n
            if transposeB {
                BLAS.sgemm(transposeA: true, transposeB: true, m: n, n: k, k: m,
                           a: gBase, lda: n, b: aBase, ldb: m, beta: index == 0 ? 0 : 1, c: result.data, ldc: k)
            } else {
                BLAS.sgemm(transposeA: false, transposeB: false, m: k, n: n, k: m,
                           a: aBase, lda: m, b: gBase, ldb: n, beta: index == 0 ? 0 : 1, c: result.data, ldc: n)
            }
        }
        return result
    }

    /// The gradient of an `a` used transposed (stored [..., K, M]): op(B)·Gᵀ per batch entry,
    /// with `b` either shared (2-D) or batched like `g`.
    private static func transposedInputGradient(b: Tensor, g: Tensor, transposeB: Bool, like a: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: a.shape)
        let k = a.shape[a.rank - 2], m = a.shape[a.rank - 1], n = g.shape[g.rank - 1]
        let batch = Shape.count(Array(a.shape.dropLast(2)))
        let bStride = b.rank == 2 ? 0 : k * n
        for index in 0..<batch {
            // op(B) is K×N: stored [K, N] (no transpose) or [N, K] (transposed).
            BLAS.sgemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                       a: b.data + index * bStride, lda: transposeB ? k : n,
                       b: g.data + index * m * n, ldb: n,
                       c: result.data + index * k * m, ldc: m)
        }
        return result
    }
}
