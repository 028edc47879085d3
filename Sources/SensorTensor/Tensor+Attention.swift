
/// Fused scaled dot-product attention, forward and backward, one (batch, head) pair at a time.
///
/// Legend: B batch, H heads, T query length, S key/value length, Dh query/key width, Dv value
/// width, D = H·Dh. Per pair: Sc = scale·Q·Kᵀ [T, S], P = softmax_rows(Sc + mask) [T, S],
/// O = P·V [T, Dv]. Q, K, V and O of a pair are row-strided matrices inside their tensors, so the
/// same kernel serves separate [B, H, ·, ·] tensors and a packed [B, T, 3·D] projection.
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
        let layout = AttentionLayout(batch: b, heads: h, queries: t, keys: s, keyWidth: dh, valueWidth: dv,
                                     query: .separate(heads: h, rows: t, width: dh), key: .separate(heads: h, rows: s, width: dh),
                                     value: .separate(heads: h, rows: s, width: dv), output: .separate(heads: h, rows: t, width: dv))
        let output = Tensor(uninitializedShape: [b, h, t, dv])
        let probabilities = attentionForward(layout, query: query, key: key, value: value, mask: mask, scale: scale, output: output)
        return record(output, op: "scaledDotProductAttention", inputs: [query, key, value]) { g in
            let dq = query.requiresGrad ? Tensor(uninitializedShape: query.shape) : nil
            let dk = key.requiresGrad ? Tensor(uninitializedShape: key.shape) : nil
            let dvalue = value.requiresGrad ? Tensor(uninitializedShape: value.shape) : nil
            attentionBackward(layout, query: query, key: key, value: value, probabilities: probabilities, scale: scale,
                              outputGradient: g, queryGradient: dq?.data, keyGradient: dk?.data, valueGradient: dvalue?.data)
            return [dq, dk, dvalue]
        }
    }

    /// Multi-head self-attention straight from a fused projection: `qkv` [B, T, 3·D] holding, per
    /// token, the queries, keys and values of all heads ([3, H, Dh] per row, the layout of a
    /// Linear(D, 3·D)) -> [B, T, D] with the heads side by side, ready for the output projection.
    /// Equal to splitting qkv into [B, H, T, Dh] tensors, `scaledDotProductAttention`, and
    /// permuting back, without the four layout copies (two forward, two backward).
    public static func packedSelfAttention(qkv: Tensor, headCount: Int, mask: Tensor? = nil, scale: Float? = nil) -> Tensor {
        precondition(qkv.rank == 3 && headCount >= 1 && qkv.shape[2] % (3 * headCount) == 0,
                     "packedSelfAttention: qkv \(qkv.shape) must be [B, T, 3·D] with D divisible by \(headCount) heads")
        let b = qkv.shape[0], t = qkv.shape[1], d = qkv.shape[2] / 3, dh = d / headCount
        // Pair (b, h) reads rows b·T + τ at columns h·Dh (+ D for keys, + 2D for values).
        let layout = AttentionLayout(batch: b, heads: headCount, queries: t, keys: t, keyWidth: dh, valueWidth: dh,
                                     query: .packed(tokens: t, rowWidth: 3 * d, headWidth: dh, columnOffset: 0),
                                     key: .packed(tokens: t, rowWidth: 3 * d, headWidth: dh, columnOffset: d),
                                     value: .packed(tokens: t, rowWidth: 3 * d, headWidth: dh, columnOffset: 2 * d),
                                     output: .packed(tokens: t, rowWidth: d, headWidth: dh, columnOffset: 0))
        let output = Tensor(uninitializedShape: [b, t, d])
        let probabilities = attentionForward(layout, query: qkv, key: qkv, value: qkv, mask: mask, scale: scale, output: output)
        return record(output, op: "packedSelfAttention", inputs: [qkv]) { g in
            // Every element of dqkv belongs to exactly one pair's dQ, dK or dV, so none is left unwritten.
            let dqkv = Tensor(uninitializedShape: qkv.shape)
            attentionBackward(layout, query: qkv, key: qkv, value: qkv, probabilities: probabilities, scale: scale,
                              outputGradient: g, queryGradient: dqkv.data, keyGradient: dqkv.data, valueGradient: dqkv.data)
            return [dqkv]
        }
    }

    /// Forward for every pair; writes `output` and returns P [B, H, T, S], saved for the backward.
    private static func attentionForward(_ layout: AttentionLayout, query: Tensor, key: Tensor, value: Tensor,
                                         mask: Tensor?, scale: Float?, output: Tensor) -> Tensor {
        let t = layout.queries, s = layout.keys, dh = layout.keyWidth, dv = layout.valueWidth
        let masking = MaskLayout(mask: mask, batch: layout.batch, heads: layout.heads, queries: t, keys: s)
        let alpha = scale ?? 1 / Float(dh).squareRoot()
        let probabilities = Tensor(uninitializedShape: [layout.batch, layout.heads, t, s])
        let q = UnsafePointer(query.data), k = UnsafePointer(key.data), v = UnsafePointer(value.data)
        let m = mask.map { UnsafePointer($0.data) }, p = probabilities.data, o = output.data
        parallelOverPairs(layout.batch * layout.heads) { range in
            for pair in range {
                let scores = p + pair * t * s
                // Sc [T, S] = scale · Q [T, Dh] · Kᵀ [Dh, S]
                BLAS.sgemm(transposeA: false, transposeB: true, m: t, n: s, k: dh, alpha: alpha,
                           a: q + layout.query.offset(pair, layout), lda: layout.query.rowStride,
                           b: k + layout.key.offset(pair, layout), ldb: layout.key.rowStride, c: scores, ldc: s)
                // P = softmax over each row of Sc + mask
                let maskBase = m.map { $0 + masking.offset(pair: pair) }
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
                           a: scores, lda: s, b: v + layout.value.offset(pair, layout), ldb: layout.value.rowStride,
                           c: o + layout.output.offset(pair, layout), ldc: layout.output.rowStride)
            }
        }
        return probabilities
    }

    /// Backward for every pair, writing the gradients requested (non-nil) at the inputs' layouts:
    /// dV = Pᵀ·dO, dP = dO·Vᵀ, dSc = P ∘ (dP − rowsum(dP ∘ P)), dQ = scale·dSc·K, dK = scale·dScᵀ·Q.
    private static func attentionBackward(_ layout: AttentionLayout, query: Tensor, key: Tensor, value: Tensor,
                                          probabilities: Tensor, scale: Float?, outputGradient g: Tensor,
                                          queryGradient dqp: UnsafeMutablePointer<Float>?,
                                          keyGradient dkp: UnsafeMutablePointer<Float>?,
                                          valueGradient dvp: UnsafeMutablePointer<Float>?) {
        let t = layout.queries, s = layout.keys, dh = layout.keyWidth, dv = layout.valueWidth
        let alpha = scale ?? 1 / Float(dh).squareRoot()
        let q = UnsafePointer(query.data), k = UnsafePointer(key.data), v = UnsafePointer(value.data)
        let gp = UnsafePointer(g.data), pp = UnsafePointer(probabilities.data)
        let qRow = layout.query.rowStride, kRow = layout.key.rowStride, vRow = layout.value.rowStride
        parallelOverPairs(layout.batch * layout.heads) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(t * s, 1))
            defer { scratch.deallocate() }
            for pair in range {
                let probability = pp + pair * t * s
                let dOut = gp + layout.output.offset(pair, layout), oRow = layout.output.rowStride
                let qOffset = layout.query.offset(pair, layout), kOffset = layout.key.offset(pair, layout)
                let vOffset = layout.value.offset(pair, layout)
                if let dvp {
                    // dV [S, Dv] = Pᵀ [S, T] · dO [T, Dv]
                    BLAS.sgemm(transposeA: true, transposeB: false, m: s, n: dv, k: t,
                               a: probability, lda: s, b: dOut, ldb: oRow, c: dvp + vOffset, ldc: vRow)
                }
                guard dqp != nil || dkp != nil else { continue }
                // dP [T, S] = dO [T, Dv] · Vᵀ [Dv, S]
                BLAS.sgemm(transposeA: false, transposeB: true, m: t, n: s, k: dv,
                           a: dOut, lda: oRow, b: v + vOffset, ldb: vRow, c: scratch, ldc: s)
                // dSc = P ∘ (dP − rowsum(dP ∘ P)), in place over dP (the softmax backward)
                for row in 0..<t {
                    let pr = probability + row * s, dr = scratch + row * s
                    let total = RowMath.dot(pr, dr, s)
                    for j in 0..<s { dr[j] = pr[j] * (dr[j] - total) }
                }
                if let dqp {
                    // dQ [T, Dh] = scale · dSc [T, S] · K [S, Dh]
                    BLAS.sgemm(transposeA: false, transposeB: false, m: t, n: dh, k: s, alpha: alpha,
                               a: scratch, lda: s, b: k + kOffset, ldb: kRow, c: dqp + qOffset, ldc: qRow)
                }
                if let dkp {
                    // dK [S, Dh] = scale · dScᵀ [S, T] · Q [T, Dh]
                    BLAS.sgemm(transposeA: true, transposeB: false, m: s, n: dh, k: t, alpha: alpha,
                               a: scratch, lda: s, b: q + qOffset, ldb: qRow, c: dkp + kOffset, ldc: kRow)
                }
            }
        }
    }

    /// Runs `body` over fixed ranges of the B·H pairs on the engine's threads (OpenBLAS itself is
    /// single-threaded, see `BLAS`, so the per-pair GEMMs do not fan out again).
    private static func parallelOverPairs(_ pairs: Int, _ body: (Range<Int>) -> Void) {
        Threading.parallelFor(pairs, body)
    }
}

/// Where each pair's Q, K, V and O matrices sit inside their tensors: for pair = b·H + h the
/// matrix starts at b·batchStride + h·headStride + columnOffset, with rows `rowStride` apart.
struct AttentionLayout {
    struct Matrix {
        let batchStride: Int, headStride: Int, rowStride: Int, columnOffset: Int

        /// A separate [B, H, rows, width] tensor.
        static func separate(heads: Int, rows: Int, width: Int) -> Matrix {
            Matrix(batchStride: heads * rows * width, headStride: rows * width, rowStride: width, columnOffset: 0)
        }

        /// Heads side by side in token rows of `rowWidth` values: [B, T, rowWidth], head h at
        /// columns columnOffset + h·headWidth.
        static func packed(tokens: Int, rowWidth: Int, headWidth: Int, columnOffset: Int) -> Matrix {
            Matrix(batchStride: tokens * rowWidth, headStride: headWidth, rowStride: rowWidth, columnOffset: columnOffset)
        }

        @inline(__always)
        func offset(_ pair: Int, _ layout: AttentionLayout) -> Int {
            (pair / layout.heads) * batchStride + (pair % layout.heads) * headStride + columnOffset
        }
    }

    let batch, heads, queries, keys, keyWidth, valueWidth: Int
    let query, key, value, output: Matrix
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
