/// Matrix products and the affine layers built on them.
extension DoubleReference {
    /// op(a)[..., M, K] · op(b)[..., K, N] with op transposing the last two axes when flagged;
    /// a 2-D `b` is shared by every batch entry of `a`.
    static func matmul(_ a: DoubleTensor, _ b: DoubleTensor, transposeA: Bool = false, transposeB: Bool = false) -> DoubleTensor {
        let opA = transposeA ? transpose(a) : a, opB = transposeB ? transpose(b) : b
        let m = opA.shape[opA.rank - 2], k = opA.shape[opA.rank - 1], n = opB.shape[opB.rank - 1]
        let batchShape = Array(a.shape.dropLast(2))
        return DoubleTensor(shape: batchShape + [m, n]) { index in
            let batch = Array(index.dropLast(2)), row = index[index.count - 2], column = index[index.count - 1]
            let bBatch = opB.rank == 2 ? [] : batch
            var total = 0.0
            for inner in 0..<k { total += opA[batch + [row, inner]] * opB[bBatch + [inner, column]] }
            return total
        }
    }

    /// x·Wᵀ + b: x [..., in], weight [out, in], bias [out] -> [..., out].
    static func linear(_ x: DoubleTensor, weight: DoubleTensor, bias: DoubleTensor?) -> DoubleTensor {
        let product = matmul(reshape(x, [-1, weight.shape[1]]), weight, transposeB: true)
        let shifted = bias.map { bias in DoubleTensor.broadcast(product, bias, +) } ?? product
        return reshape(shifted, Array(x.shape.dropLast()) + [weight.shape[0]])
    }

    /// The fused GELU + linear op: exact GELU, then `linear`.
    static func geluLinear(_ x: DoubleTensor, weight: DoubleTensor, bias: DoubleTensor?) -> DoubleTensor {
        linear(x.map(gelu), weight: weight, bias: bias)
    }
}
