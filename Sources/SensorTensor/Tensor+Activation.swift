import Foundation

/// Fused softmax and log-softmax, forward and backward, plus the row kernels the other fused ops
/// share (a vectorisable `exp`, sums, maxima and dot products of contiguous rows).
///
/// Legend: a tensor is viewed as [outer, A, inner] around the reduced axis of size A; the last-axis
/// case (inner == 1) is the fast path, one contiguous row of A per `outer` index.
enum RowMath {
    /// e^x to about 2 ulp (Cephes' range reduction and polynomial). Branch-free and free of libm
    /// calls, so loops that use it vectorise. Returns exactly 0 below −87 (and for −∞).
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87), 88)
        // Round clamped·log2(e) to the nearest integer n by the 1.5·2²³ trick; the low mantissa
        // bits of `shifted` then hold n, so 2ⁿ is built from them without a float-to-int trap check.
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        // r = x − n·ln 2, with ln 2 split in two so the subtraction stays exact.
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * r * r + r + 1
        let exponentBits = (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23
        let value = p * Float(bitPattern: exponentBits)
        return x < -87 ? 0 : value
    }

    /// Σ x[i] for i < n, in eight interleaved partial sums (vectorises; fixed order, deterministic).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var partial = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            partial += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = partial.sum()
        while i < n { total += x[i]; i += 1 }
        return total
    }

    /// Σ x[i]·y[i] for i < n, vectorised like `sum`.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var partial = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            partial += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = partial.sum()
        while i < n { total += x[i] * y[i]; i += 1 }
        return total
    }

    /// max x[i] for i < n (n ≥ 1), in four interleaved partial maxima that compile to packed
    /// max instructions (the generic SIMD `pointwiseMax` does not). NaN does not propagate (the
    /// softmax then yields NaN anyway).
    @inline(__always)
    static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m0 = x[0], m1 = x[0], m2 = x[0], m3 = x[0]
        var i = 0
        while i + 4 <= n {
            m0 = x[i] > m0 ? x[i] : m0
            m1 = x[i + 1] > m1 ? x[i + 1] : m1
            m2 = x[i + 2] > m2 ? x[i + 2] : m2
            m3 = x[i + 3] > m3 ? x[i + 3] : m3
            i += 4
        }
        var result = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
        while i < n { result = Swift.max(result, x[i]); i += 1 }
        return result
    }

    /// Softmax of one contiguous row in place: y = e^(x − max) / Σ e^(x − max). A row whose
    /// maximum is −∞ (every entry masked) becomes all zeros instead of NaN.
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        let maximum = max(row, n)
        if maximum == -.infinity {
            for i in 0..<n { row[i] = 0 }
            return
        }
        for i in 0..<n { row[i] = exp(row[i] - maximum) }
        let scale = 1 / sum(row, n)
        for i in 0..<n { row[i] *= scale }
    }
}

extension Tensor {
    /// Softmax along `axis`, stabilised by subtracting the maximum; same shape as the input.
    public func softmax(axis: Int = -1) -> Tensor {
        normalizedExponential(axis: axis, logarithmic: false)
    }

    /// log(softmax) along `axis`, computed as x − max − log Σ e^(x − max); same shape as the input.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        normalizedExponential(axis: axis, logarithmic: true)
    }

    /// Shared forward/backward of softmax and log-softmax over the [outer, A, inner] view.
    private func normalizedExponential(axis: Int, logarithmic: Bool) -> Tensor {
        let name = logarithmic ? "logSoftmax" : "softmax"
        precondition(rank >= 1, "\(name): needs rank >= 1, got shape \(shape)")
        let a = Shape.normalize(axis: axis, rank: rank, op: name)
        let size = shape[a]
        let inner = Shape.count(Array(shape[(a + 1)...]))
        let outer = Shape.count(Array(shape[..<a]))
        let result = Tensor(uninitializedShape: shape)
        let source = UnsafePointer(data), out = result.data
        if size > 0 {
            Threading.parallelFor(outer, minimumPerThread: Swift.max(1, 16_384 / Swift.max(1, size * inner))) { range in
                Tensor.normalizedExponentialForward(source, out, range: range, size: size, inner: inner, logarithmic: logarithmic)
            }
        }
        let saved = result.detached()
        return Tensor.record(result, op: name, inputs: [self]) { g in
            let gradient = Tensor(uninitializedShape: g.shape)
            let gp = UnsafePointer(g.data), yp = UnsafePointer(saved.data), dx = gradient.data
            guard size > 0 else { return [gradient] }
            Threading.parallelFor(outer, minimumPerThread: Swift.max(1, 16_384 / Swift.max(1, size * inner))) { range in
                Tensor.normalizedExponentialBackward(gp, yp, dx, range: range, size: size, inner: inner, logarithmic: logarithmic)
            }
            return [gradient]
        }
    }

    /// Forward over `range` of the outer index. Last axis: one row at a time. Otherwise the A rows
    /// of length `inner` are combined elementwise, so every loop runs along contiguous memory.
    private static func normalizedExponentialForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                                     range: Range<Int>, size: Int, inner: Int, logarithmic: Bool) {
        if inner == 1 {
            for o in range {
                let row = x + o * size, out = y + o * size
                let maximum = RowMath.max(row, size)
                if logarithmic {
                    // y = x − max − log Σ e^(x − max); the exponentials go through `out` as scratch.
                    for i in 0..<size { out[i] = RowMath.exp(row[i] - maximum) }
                    let shift = maximum + Foundation.log(RowMath.sum(out, size))
                    for i in 0..<size { out[i] = row[i] - shift }
                } else {
                    out.update(from: row, count: size)
                    RowMath.softmaxRow(out, size)
                }
            }
            return
        }
        // Column statistics for one outer block: maxima, then sums of exponentials, length `inner`.
        let maxima = UnsafeMutablePointer<Float>.allocate(capacity: inner)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: inner)
        defer { maxima.deallocate(); sums.deallocate() }
        for o in range {
            let block = x + o * size * inner, out = y + o * size * inner
            maxima.update(from: block, count: inner)
            for j in 1..<Swift.max(size, 1) {
                let row = block + j * inner
                for i in 0..<inner { maxima[i] = Swift.max(maxima[i], row[i]) }
            }
            for i in 0..<inner { sums[i] = 0 }
            for j in 0..<size {
                let row = block + j * inner, target = out + j * inner
                for i in 0..<inner {
                    let e = RowMath.exp(row[i] - maxima[i])
                    target[i] = e
                    sums[i] += e
                }
            }
            if logarithmic {
                for i in 0..<inner { sums[i] = maxima[i] + Foundation.log(sums[i]) }
                for j in 0..<size {
                    let row = block + j * inner, target = out + j * inner
                    for i in 0..<inner { target[i] = row[i] - sums[i] }
                }
            } else {
                for i in 0..<inner { sums[i] = 1 / sums[i] }
                for j in 0..<size {
                    let target = out + j * inner
                    for i in 0..<inner { target[i] *= sums[i] }
                }
            }
        }
    }

    /// Backward over `range` of the outer index, from the saved output y:
    /// softmax:     dx = y ∘ (g − Σ_A g∘y)
    /// logSoftmax:  dx = g − e^y ∘ Σ_A g
    private static func normalizedExponentialBackward(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                                      _ dx: UnsafeMutablePointer<Float>,
                                                      range: Range<Int>, size: Int, inner: Int, logarithmic: Bool) {
        if inner == 1 {
            for o in range {
                let gr = g + o * size, yr = y + o * size, out = dx + o * size
                if logarithmic {
                    let total = RowMath.sum(gr, size)
                    for i in 0..<size { out[i] = gr[i] - RowMath.exp(yr[i]) * total }
                } else {
                    let total = RowMath.dot(gr, yr, size)
                    for i in 0..<size { out[i] = yr[i] * (gr[i] - total) }
                }
            }
            return
        }
        let totals = UnsafeMutablePointer<Float>.allocate(capacity: inner)
        defer { totals.deallocate() }
        for o in range {
            let base = o * size * inner
            for i in 0..<inner { totals[i] = 0 }
            for j in 0..<size {
                let gr = g + base + j * inner, yr = y + base + j * inner
                if logarithmic {
                    for i in 0..<inner { totals[i] += gr[i] }
                } else {
                    for i in 0..<inner { totals[i] += gr[i] * yr[i] }
                }
            }
            for j in 0..<size {
                let gr = g + base + j * inner, yr = y + base + j * inner, out = dx + base + j * inner
                if logarithmic {
                    for i in 0..<inner { out[i] = gr[i] - RowMath.exp(yr[i]) * totals[i] }
                } else {
                    for i in 0..<inner { out[i] = yr[i] * (gr[i] - totals[i]) }
                }
            }
        }
    }
}
