/// Reductions with their derivatives: sum, mean, max, min, variance, and argmax.
///
/// Legend: every reduction reads its input as X[O, R, I] and writes Y[O, I] — R is the product of
/// the reduced axes, O and I the products of the kept axes before and after them. Reduced axes
/// that are not adjacent (ignoring size-1 axes) are first moved last by a recorded permutation,
/// so that the kernels only ever see one reduced block.
///
/// Sums accumulate in Double in an order fixed by the shape alone (never by the thread count), so
/// results are accurate and bit-for-bit reproducible.
struct ReductionLayout {
    /// The input, or its permutation with the reduced axes last.
    let source: Tensor
    let outer: Int
    let reduced: Int
    let inner: Int
    /// The result's shape: reduced axes dropped, or kept with size 1 under `keepDims`.
    let outputShape: [Int]
}

extension Tensor {
    /// The [O, R, I] reading of this tensor for reducing `axes` (nil: all axes).
    func reductionLayout(axes: [Int]?, keepDims: Bool, op: String) -> ReductionLayout {
        var isReduced = [Bool](repeating: axes == nil, count: rank)
        for axis in axes ?? [] {
            let a = Shape.normalize(axis: axis, rank: rank, op: op)
            precondition(!isReduced[a], "\(op): axis \(axis) appears twice in \(axes ?? []) for \(shape)")
            isReduced[a] = true
        }
        let outputShape = keepDims
            ? (0..<rank).map { isReduced[$0] ? 1 : shape[$0] }
            : (0..<rank).filter { !isReduced[$0] }.map { shape[$0] }
        let significant = (0..<rank).filter { isReduced[$0] && shape[$0] != 1 }
        guard let first = significant.first, let last = significant.last else {
            return ReductionLayout(source: self, outer: count, reduced: 1, inner: 1, outputShape: outputShape)
        }
        if !(first...last).contains(where: { !isReduced[$0] && shape[$0] != 1 }) {
            var outer = 1, reduced = 1, inner = 1
            for index in 0..<first { outer *= shape[index] }
            for index in first...last { reduced *= shape[index] }
            for index in (last + 1)..<rank { inner *= shape[index] }
            return ReductionLayout(source: self, outer: outer, reduced: reduced, inner: inner, outputShape: outputShape)
        }
        let kept = (0..<rank).filter { !isReduced[$0] }
        let moved = (0..<rank).filter { isReduced[$0] }
        return ReductionLayout(source: permuted(kept + moved), outer: Shape.count(kept.map { shape[$0] }),
                               reduced: Shape.count(moved.map { shape[$0] }), inner: 1, outputShape: outputShape)
    }

    /// Σ of the elements over `axes` (nil: all axes, giving shape [] unless `keepDims`).
    /// Backward: G repeated along the reduced axes.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        scaledSum(axes: axes, keepDims: keepDims, op: "sum") { _ in 1 }
    }

    /// Mean over `axes` (nil: all axes). Backward: G / R repeated along the reduced axes.
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        scaledSum(axes: axes, keepDims: keepDims, op: "mean") { 1 / Double($0) }
    }

    /// Sum over `axes` times `scale(R)`; the backward repeats G·scale along the reduced axes.
    private func scaledSum(axes: [Int]?, keepDims: Bool, op: String, scale: (Int) -> Double) -> Tensor {
        let layout = reductionLayout(axes: axes, keepDims: keepDims, op: op)
        let (outer, reduced, inner) = (layout.outer, layout.reduced, layout.inner)
        let factor = scale(reduced)
        let result = Tensor(uninitializedShape: layout.outputShape)
        ReductionKernels.sum(layout.source.data, outer: outer, reduced: reduced, inner: inner,
                             scale: factor, into: result.data)
        let source = layout.source, sourceShape = source.shape
        return Tensor.record(result, op: op, inputs: [source]) { g in
            let gradient = Tensor(uninitializedShape: sourceShape)
            let step = Float(factor)
            let gy = UnsafePointer(g.data), gx = gradient.data
            Threading.parallelFor(outer * reduced, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(inner, 1))) { rows in
                for row in rows {
                    let from = gy + (row / reduced) * inner, to = gx + row * inner
                    for i in 0..<inner { to[i] = from[i] * step }
                }
            }
            return [gradient]
        }
    }

    /// Largest element over `axes` (nil: all axes). Backward: G goes to the first position that
    /// attains the maximum (in row-major order of the reduced axes), like PyTorch's `max(dim)`;
    /// tied positions get no gradient. NaN wins, as in PyTorch.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, findMaximum: true, op: "max")
    }

    /// Smallest element over `axes` (nil: all axes). Backward as for `max`: to the first minimum.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, findMaximum: false, op: "min")
    }

    private func extremum(axes: [Int]?, keepDims: Bool, findMaximum: Bool, op: String) -> Tensor {
        let layout = reductionLayout(axes: axes, keepDims: keepDims, op: op)
        let (outer, reduced, inner) = (layout.outer, layout.reduced, layout.inner)
        precondition(reduced > 0, "\(op): cannot reduce an empty axis of \(shape) over \(axes.map { "\($0)" } ?? "all axes")")
        let result = Tensor(uninitializedShape: layout.outputShape)
        var positions = [Int32](repeating: 0, count: outer * inner)
        positions.withUnsafeMutableBufferPointer { buffer in
            ReductionKernels.extremum(layout.source.data, outer: outer, reduced: reduced, inner: inner,
                                      findMaximum: findMaximum, values: result.data, positions: buffer.baseAddress!)
        }
        let source = layout.source
        return Tensor.record(result, op: op, inputs: [source]) { g in
            // dX[o, r*, i] = G[o, i] at the selected r*, zero elsewhere.
            let gradient = Tensor.zeros(source.shape)
            let gy = g.data, gx = gradient.data
            for index in 0..<(outer * inner) {
                let o = index / inner, i = index - o * inner
                gx[(o * reduced + Int(positions[index])) * inner + i] = gy[index]
            }
            return [gradient]
        }
    }

    /// Variance over `axes` (nil: all axes): Σ(x − mean)² / (R − 1 if `unbiased`, else R), computed
    /// in two passes in Double. R = 1 with `unbiased` gives NaN, as in PyTorch.
    /// Backward: G·2(X − mean)/(R − unbiased).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) -> Tensor {
        let layout = reductionLayout(axes: axes, keepDims: keepDims, op: "variance")
        let (outer, reduced, inner) = (layout.outer, layout.reduced, layout.inner)
        let divisor = reduced - (unbiased ? 1 : 0)
        let result = Tensor(uninitializedShape: layout.outputShape)
        let means = Tensor(uninitializedShape: [outer * inner])
        ReductionKernels.variance(layout.source.data, outer: outer, reduced: reduced, inner: inner,
                                  divisor: divisor, means: means.data, into: result.data)
        let source = layout.source
        return Tensor.record(result, op: "variance", inputs: [source]) { g in
            let gradient = Tensor(uninitializedShape: source.shape)
            let factor = 2 / Float(divisor)
            let gy = UnsafePointer(g.data), mean = UnsafePointer(means.data)
            let x = UnsafePointer(source.data), gx = gradient.data
            Threading.parallelFor(outer * reduced, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(inner, 1))) { rows in
                for row in rows {
                    let base = (row / reduced) * inner, offset = row * inner
                    for i in 0..<inner { gx[offset + i] = factor * gy[base + i] * (x[offset + i] - mean[base + i]) }
                }
            }
            return [gradient]
        }
    }

    /// Index of the first largest element along `axis`, stored as Float (not differentiable).
    /// Shape: the input's with `axis` removed (or size 1 under `keepDims`).
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor {
        let layout = reductionLayout(axes: [axis], keepDims: keepDims, op: "argmax")
        let (outer, reduced, inner) = (layout.outer, layout.reduced, layout.inner)
        precondition(reduced > 0, "argmax: axis \(axis) of \(shape) is empty")
        let values = Tensor(uninitializedShape: [outer * inner])
        var positions = [Int32](repeating: 0, count: outer * inner)
        positions.withUnsafeMutableBufferPointer { buffer in
            ReductionKernels.extremum(layout.source.data, outer: outer, reduced: reduced, inner: inner,
                                      findMaximum: true, values: values.data, positions: buffer.baseAddress!)
        }
        return Tensor(shape: layout.outputShape, scalars: positions.map { Float($0) })
    }

    /// Sums a gradient of a broadcast result back to the `target` shape of the operand that was
    /// broadcast (leading axes and size-1 axes of `target` are summed out).
    func summedToBroadcastSource(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let extra = rank - target.count
        precondition(extra >= 0, "summedToBroadcastSource: \(shape) is not a broadcast of \(target)")
        var axes = Array(0..<extra)
        for (index, size) in target.enumerated() where size == 1 && shape[index + extra] != 1 {
            axes.append(index + extra)
        }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}

/// Raw kernels over X[O, R, I] -> Y[O, I]. Work is split into items whose results do not depend
/// on how items are assigned to threads.
enum ReductionKernels {
    /// Width of the blocks of I that one work item accumulates at a time.
    static let innerBlock = 256
    /// Elements one segment of a long leading-axis reduction covers before its partial sum is stored.
    static let segmentElements = 1 << 15

    /// Y[o, i] = scale · Σ_r X[o, r, i], accumulated in Double.
    static func sum(_ x: UnsafePointer<Float>, outer: Int, reduced: Int, inner: Int, scale: Double,
                    into y: UnsafeMutablePointer<Float>) {
        let segmentRows = Swift.max(1, segmentElements / Swift.max(inner, 1))
        if outer == 1 && inner <= 1024 && reduced > segmentRows {
            leadingSum(x, reduced: reduced, inner: inner, segmentRows: segmentRows, scale: scale, into: y)
        } else if inner == 1 {
            Threading.parallelFor(outer, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(reduced, 1))) { range in
                for o in range { y[o] = Float(contiguousSum(x + o * reduced, count: reduced) * scale) }
            }
        } else {
            forEachBlock(outer: outer, reduced: reduced, inner: inner) { o, start, length, accumulator in
                accumulator.update(repeating: 0, count: length)
                var row = x + o * reduced * inner + start
                for _ in 0..<reduced {
                    for i in 0..<length { accumulator[i] += Double(row[i]) }
                    row += inner
                }
                let out = y + o * inner + start
                for i in 0..<length { out[i] = Float(accumulator[i] * scale) }
            }
        }
    }

    /// Σ of `count` contiguous elements in sixteen Double lanes (two SIMD8 accumulators, a fixed
    /// order), so the loop widens and adds in vector registers.
    static func contiguousSum(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var first = SIMD8<Double>(repeating: 0), second = SIMD8<Double>(repeating: 0)
        var i = 0
        while i + 16 <= count {
            first += SIMD8<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            second += SIMD8<Double>(UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            i += 16
        }
        var tail = 0.0
        while i < count { tail += Double(x[i]); i += 1 }
        return (first + second).sum() + tail
    }

    /// Σ (x[i] − mean)² over `count` contiguous elements with four Double accumulators.
    static func contiguousSquaredDeviation(_ x: UnsafePointer<Float>, count: Int, mean: Double) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= count {
            let d0 = Double(x[i]) - mean, d1 = Double(x[i + 1]) - mean
            let d2 = Double(x[i + 2]) - mean, d3 = Double(x[i + 3]) - mean
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            i += 4
        }
        while i < count {
            let d = Double(x[i]) - mean
            s0 += d * d
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Sum over the leading axis of X[R, I] with few columns (a bias gradient): R is cut into
    /// segments of `segmentRows` summed in parallel into Double partials, then the partials are
    /// added in segment order.
    private static func leadingSum(_ x: UnsafePointer<Float>, reduced: Int, inner: Int, segmentRows: Int,
                                   scale: Double, into y: UnsafeMutablePointer<Float>) {
        let segments = (reduced + segmentRows - 1) / segmentRows
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: segments * inner)
        defer { partials.deallocate() }
        Threading.parallelFor(segments) { range in
            for segment in range {
                let first = segment * segmentRows, rows = Swift.min(segmentRows, reduced - first)
                let partial = partials + segment * inner
                if inner == 1 {
                    partial[0] = contiguousSum(x + first, count: rows)
                    continue
                }
                partial.initialize(repeating: 0, count: inner)
                var row = x + first * inner
                for _ in 0..<rows {
                    for i in 0..<inner { partial[i] += Double(row[i]) }
                    row += inner
                }
            }
        }
        for i in 0..<inner {
            var total = 0.0
            for segment in 0..<segments { total += partials[segment * inner + i] }
            y[i] = Float(total * scale)
        }
    }

    /// Runs `body(o, start, length, scratch)` for every block [start, start+length) of I in every
    /// row o, in parallel; `scratch` is per-thread room for 2 × `innerBlock` Doubles.
    private static func forEachBlock(outer: Int, reduced: Int, inner: Int,
                                     _ body: (Int, Int, Int, UnsafeMutablePointer<Double>) -> Void) {
        let blocks = (inner + innerBlock - 1) / innerBlock
        let work = Swift.max(1, reduced * Swift.min(inner, innerBlock))
        Threading.parallelFor(outer * blocks, minimumPerThread: Swift.max(1, (1 << 15) / work)) { range in
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * innerBlock)
            defer { scratch.deallocate() }
            for item in range {
                let o = item / blocks, start = (item - o * blocks) * innerBlock
                body(o, start, Swift.min(innerBlock, inner - start), scratch)
            }
        }
    }

    /// Y[o, i] = the extremum over r of X[o, r, i], and `positions[o, i]` the first r attaining it.
    /// A NaN is selected over any number (and the first NaN over later ones).
    static func extremum(_ x: UnsafePointer<Float>, outer: Int, reduced: Int, inner: Int, findMaximum: Bool,
                         values: UnsafeMutablePointer<Float>, positions: UnsafeMutablePointer<Int32>) {
        @inline(__always) func isBetter(_ candidate: Float, _ best: Float) -> Bool {
            if best.isNaN { return false }
            return candidate.isNaN || (findMaximum ? candidate > best : candidate < best)
        }
        if inner == 1 {
            Threading.parallelFor(outer, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(reduced, 1))) { range in
                for o in range {
                    let position = firstExtremum(x + o * reduced, count: reduced, findMaximum: findMaximum)
                    values[o] = x[o * reduced + position]
                    positions[o] = Int32(position)
                }
            }
            return
        }
        let blocks = (inner + innerBlock - 1) / innerBlock
        let work = Swift.max(1, reduced * Swift.min(inner, innerBlock))
        Threading.parallelFor(outer * blocks, minimumPerThread: Swift.max(1, (1 << 15) / work)) { range in
            for item in range {
                let o = item / blocks, start = (item - o * blocks) * innerBlock
                let length = Swift.min(innerBlock, inner - start)
                let value = values + o * inner + start, position = positions + o * inner + start
                var row = x + o * reduced * inner + start
                for i in 0..<length { value[i] = row[i]; position[i] = 0 }
                for r in 1..<Swift.max(reduced, 1) {
                    row += inner
                    for i in 0..<length where isBetter(row[i], value[i]) {
                        value[i] = row[i]
                        position[i] = Int32(r)
                    }
                }
            }
        }
    }

    /// Position of the first extremum (or first NaN) of a contiguous row of `count` >= 1 elements:
    /// one vectorised pass for the extreme value over eight lanes, then a scan for its first position.
    static func firstExtremum(_ row: UnsafePointer<Float>, count: Int, findMaximum: Bool) -> Int {
        var best = SIMD8<Float>(repeating: row[0])
        var sawNaN = SIMDMask<SIMD8<Int32>>(repeating: false)
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
            best.replace(with: v, where: findMaximum ? v .> best : v .< best)
            sawNaN .|= v .!= v
            i += 8
        }
        var value = findMaximum ? best.max() : best.min()
        var hasNaN = any(sawNaN)
        while i < count {
            let v = row[i]
            if findMaximum ? v > value : v < value { value = v }
            if v.isNaN { hasNaN = true }
            i += 1
        }
        for r in 0..<count where hasNaN ? row[r].isNaN : row[r] == value { return r }
        return 0
    }

    /// Y[o, i] = Σ_r (X[o, r, i] − mean)² / divisor with mean = Σ_r X[o, r, i] / R, two passes in
    /// Double; the means are stored (as Float) for the backward.
    static func variance(_ x: UnsafePointer<Float>, outer: Int, reduced: Int, inner: Int, divisor: Int,
                         means: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        if inner == 1 {
            Threading.parallelFor(outer, minimumPerThread: Swift.max(1, (1 << 15) / Swift.max(reduced, 1))) { range in
                for o in range {
                    let row = x + o * reduced
                    let mean = contiguousSum(row, count: reduced) / Double(reduced)
                    means[o] = Float(mean)
                    y[o] = Float(contiguousSquaredDeviation(row, count: reduced, mean: mean) / Double(divisor))
                }
            }
            return
        }
        forEachBlock(outer: outer, reduced: reduced, inner: inner) { o, start, length, scratch in
            let accumulator = scratch, mean = scratch + innerBlock
            let base = x + o * reduced * inner + start
            accumulator.update(repeating: 0, count: length)
            var row = base
            for _ in 0..<reduced {
                for i in 0..<length { accumulator[i] += Double(row[i]) }
                row += inner
            }
            let savedMean = means + o * inner + start
            for i in 0..<length {
                mean[i] = accumulator[i] / Double(reduced)
                savedMean[i] = Float(mean[i])
                accumulator[i] = 0
            }
            row = base
            for _ in 0..<reduced {
                for i in 0..<length {
                    let deviation = Double(row[i]) - mean[i]
                    accumulator[i] += deviation * deviation
                }
                row += inner
            }
            let out = y + o * inner + start
            for i in 0..<length { out[i] = Float(accumulator[i] / Double(divisor)) }
        }
    }
}
