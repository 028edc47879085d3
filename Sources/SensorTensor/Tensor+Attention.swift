import CBLAS

/// Fused scaled dot-product attention, forward and backward, one (batch, head) pair at a time.
///
/// Legend: B batch, H heads, T query length, S key/value length, Dh query/key width, Dv value
/// width. Per pair: Sc = scale·Q·Kᵀ [T, S], P = softmax_rows(Sc + mask) [T, S], O = P·V [T, Dv].
extension Tensor {
    /// softmax(query·keyᵀ·scale + mask)·value with query [B, H, T, Dh], key [B, H, S, Dh],
    /// value [B, H, S, Dv] -> [B, H, T, Dv]. `scale` defaults to 1/√Dh. `mask` is additive,
    /// [T, S] or [B | 1, H | 1, T, S], and may hold −∞; a query row whose every key is masked
    /// yields zeros (not NaN). The mask receives no gradient.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
                                                 mask: Tensor? = nil, scale: Float? = nil) -> Tensor {
        precondition(query.rank == 4 && key.rank == 4 && value.rank == 4,
                     "scaledDotProductAttention: query \(query.shape), key \(key.shape), value \(value.shape) must be [B, H, T|S, D]")
        let b = query.shape[0], h = query.shape[1], t = query.shape[2], dh = query.shape[3]
        let s = key.shape[2], dv = value.shape[3]
        precondition(key.shape == [b, h, s, dh] && value.shape[0..<3] == [b, h, s],
                     "scaledDotProductAttention: key \(key.shape) must be [\(b), \(h), S, \(dh)] and value \(value.shape) [\(b), \(h), S, Dv] for query \(query.shape)")
        let layout = MaskLayout(mask: mask, batch: b, heads: h, queries: t, keys: s)
        let alpha = scale ?? 1 / Float(dh).squareRoot()
        let pairs = b * h
        let output = Tensor(uninitializedShape: [b, h, t, dv])
        // P, the attention probabilities of every pair, saved for the backward.
        let probabilities = Tensor(uninitializedShape: [b, h, t, s])
        let q = UnsafePointer(query.data), k = UnsafePointer(key.data), v = UnsafePointer(value.data)
        let m = mask.map { UnsafePointer($0.data) }, p = probabilities.data, o = output.data
        parallelOverPairs(pairs) { range in
            for pair in range {
                let scores = p + pair * t * s
                // Sc [T, S] = scale · Q [T, Dh] · Kᵀ [Dh, S]
                BLAS.sgemm(transposeA: false, transposeB: true, m: t, n: s, k: dh, alpha: alpha,
                           a: q + pair * t * dh, lda: dh, b: k + pair * s * dh, ldb: dh, c: scores, ldc: s)
                // P = softmax over each row of Sc + mask
                let maskBase = m.map { $0 + layout.offset(pair: pair) }
                for row in 0..<t {
                    let r = scores + row * s
                    if let maskBase {
                        let mr = maskBase + row * s
                        for j in 0..<s { r[j] += mr[j] }
                    }
                    RowMath.softmaxRow(r, s)
                }
                // O [T, Dv] = P [T, S] · V [S, Dv]
                BLAS.sgemm(transposeA: false, transposeB: false, m: t, n: dv, k: s,
                           a: scores, lda: s, b: v + pair * s * dv, ldb: dv, c: o + pair * t * dv, ldc: dv)
            }
        }
        return record(output, op: "scaledDotProductAttention", inputs: [query, key, value]) { g in
            let dq = query.requiresGrad ? Tensor(uninitializedShape: query.shape) : nil
            let dk = key.requiresGrad ? Tensor(uninitializedShape: key.shape) : nil
            let dvalue = value.requiresGrad ? Tensor(uninitializedShape: value.shape) : nil
            // Pointers re-derived from the captured tensors, which keeps their storage alive.
            let q = UnsafePointer(query.data), k = UnsafePointer(key.data), v = UnsafePointer(value.data)
            let gp = UnsafePointer(g.data), pp = UnsafePointer(probabilities.data)
            let dqp = dq?.data, dkp = dk?.data, dvp = dvalue?.data
            parallelOverPairs(pairs) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(t * s, 1))
                defer { scratch.deallocate() }
                for pair in range {
                    let probability = pp + pair * t * s, dOut = gp + pair * t * dv
                    if let dvp {
                        // dV [S, Dv] = Pᵀ [S, T] · dO [T, Dv]
                        BLAS.sgemm(transposeA: true, transposeB: false, m: s, n: dv, k: t,
                                   a: probability, lda: s, b: dOut, ldb: dv, c: dvp + pair * s * dv, ldc: dv)
                    }
                    guard dqp != nil || dkp != nil else { continue }
                    // dP [T, S] = dO [T, Dv] · Vᵀ [Dv, S]
                    BLAS.sgemm(transposeA: false, transposeB: true, m: t, n: s, k: dv,
                               a: dOut, lda: dv, b: v + pair * s * dv, ldb: dv, c: scratch, ldc: s)
                    // dSc = P ∘ (dP − rowsum(dP ∘ P)), in place over dP (the softmax backward)
                    for row in 0..<t {
                        let pr = probability + row * s, dr = scratch + row * s
                        let total = RowMath.dot(pr, dr, s)
                        for j in 0..<s { dr[j] = pr[j] * (dr[j] - total) }
                    }
                    if let dqp {
                        // dQ [T, Dh] = scale · dSc [T, S] · K [S, Dh]
                        BLAS.sgemm(transposeA: false, transposeB: false, m: t, n: dh, k: s, alpha: alpha,
                                   a: scratch, lda: s, b: k + pair * s * dh, ldb: dh, c: dqp + pair * t * dh, ldc: dh)
                    }
                    if let dkp {
                        // dK [S, Dh] = scale · dScᵀ [S, T] · Q [T, Dh]
                        BLAS.sgemm(transposeA: true, transposeB: false, m: s, n: dh, k: t, alpha: alpha,
                                   a: scratch, lda: s, b: q + pair * t * dh, ldb: dh, c: dkp + pair * s * dh, ldc: dh)
                    }
                }
            }
            return [dq, dk, dvalue]
        }
    }

    /// Runs `body` over fixed ranges of the B·H pairs on the engine's threads. While several
    /// ranges run at once, OpenBLAS is held to one thread so the per-pair GEMMs called from the
    /// workers do not each fan out over the cores again; the budget is restored afterwards.
    private static func parallelOverPairs(_ pairs: Int, _ body: (Range<Int>) -> Void) {
        let threads = Threading.threadCount
        guard threads > 1, pairs > 1 else { body(0..<pairs); return }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threads)) }
        Threading.parallelFor(pairs, body)
    }
}

/// Where the additive mask of pair (b, h) starts: [T, S] is shared by every pair; [B|1, H|1, T, S]
/// is indexed with the size-1 axes broadcast.
struct MaskLayout {
    let batchStride: Int, headStride: Int, heads: Int

    init(mask: Tensor?, batch: Int, heads: Int, queries: Int, keys: Int) {
        self.heads = heads
        guard let mask else { batchStride = 0; headStride = 0; return }
        let rows = queries * keys
        if mask.rank == 2 {
            precondition(mask.shape == [queries, keys],
                         "scaledDotProductAttention: mask \(mask.shape) must be [\(queries), \(keys)] or [B|1, H|1, \(queries), \(keys)]")
            batchStride = 0; headStride = 0
            return
        }
        precondition(mask.rank == 4 && (mask.shape[0] == batch || mask.shape[0] == 1)
                        && (mask.shape[1] == heads || mask.shape[1] == 1) && Array(mask.shape[2...]) == [queries, keys],
                     "scaledDotProductAttention: mask \(mask.shape) must be [\(queries), \(keys)] or [\(batch)|1, \(heads)|1, \(queries), \(keys)]")
        headStride = mask.shape[1] == 1 ? 0 : rows
        batchStride = mask.shape[0] == 1 ? 0 : mask.shape[1] * rows
    }

    /// Element offset of the [T, S] mask block for pair = b·H + h.
    func offset(pair: Int) -> Int { (pair / heads) * batchStride + (pair % heads) * headStride }
}
