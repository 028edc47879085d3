/// GELU followed by a linear layer as one recorded op that keeps only the GELU input.
///
/// In a Transformer's feed-forward block the unfused pair keeps both the GELU input (for GELU's
/// derivative) and its output (for the weight gradient): two [tokens, hidden] tensors per block.
/// This op recomputes the GELU output in the backward pass instead, in the same elementwise pass
/// (and from the same exponential) as GELU's derivative, so it costs no extra pass over memory.
extension Tensor {
    /// gelu(x)·Wᵀ + b (exact erf GELU): x [..., in], weight [out, in], bias [out] -> [..., out]; the
    /// same numbers as `gelu().linear(weight:bias:)`.
    public func geluLinear(weight: Tensor, bias: Tensor?) -> Tensor {
        let input = self
        let output = withNoGrad { input.gelu().linear(weight: weight, bias: bias) }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        let inputDimensions = weight.shape[1], outputDimensions = weight.shape[0]
        return Tensor.record(output, op: "geluLinear", inputs: inputs) { g in
            // Legend: N rows, I = in, O = out. dh = G·W [N, I] first; then one pass over x writes
            // h = gelu(x) (for dW) and dx = dh ∘ gelu'(x) in place over dh; then dW = Gᵀ·h [O, I],
            // db = Σ_rows G [O].
            let rows = input.count / Swift.max(inputDimensions, 1)
            let needInput = input.requiresGrad, needWeight = weight.requiresGrad
            let inputGradient = needInput ? Tensor(uninitializedShape: input.shape) : nil
            if let inputGradient {
                BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: inputDimensions, k: outputDimensions,
                           a: g.data, lda: outputDimensions, b: weight.data, ldb: inputDimensions,
                           c: inputGradient.data, ldc: inputDimensions)
            }
            let activated = needWeight ? Tensor(uninitializedShape: [rows, inputDimensions]) : nil
            let x = UnsafePointer(input.data), d = inputGradient?.data, h = activated?.data
            Threading.parallelFor(input.count, minimumPerThread: Tensor.elementwiseMinimumPerThread) { range in
                GELUBackwardKernel.run(x: x, activated: h, gradient: d, range: range)
            }
            var weightGradient: Tensor?
            if let activated {
                let dw = Tensor(uninitializedShape: weight.shape)
                BLAS.sgemm(transposeA: true, transposeB: false, m: outputDimensions, n: inputDimensions, k: rows,
                           a: g.data, lda: outputDimensions, b: activated.data, ldb: inputDimensions,
                           c: dw.data, ldc: inputDimensions)
                weightGradient = dw
            }
            let biasGradient = bias?.requiresGrad == true ? g.columnSums(rows: rows, columns: outputDimensions) : nil
            return [inputGradient, weightGradient, biasGradient].prefix(inputs.count).map { $0 }
        }
    }
}

/// The elementwise part of `geluLinear`'s backward, one loop per combination of outputs so each
/// loop body is branch-free and vectorises.
enum GELUBackwardKernel {
    /// Over `range`: activated[i] = x·Φ(x) and gradient[i] *= Φ(x) + x·φ(x), for whichever is non-nil.
    static func run(x: UnsafePointer<Float>, activated: UnsafeMutablePointer<Float>?,
                    gradient: UnsafeMutablePointer<Float>?, range: Range<Int>) {
        switch (activated, gradient) {
        case let (h?, d?):
            for i in range {
                let v = x[i]
                let (cdf, density) = RowMath.normalDistributionAndDensity(v)
                h[i] = v * cdf
                d[i] *= cdf + v * density
            }
        case let (h?, nil):
            for i in range { h[i] = x[i] * RowMath.normalDistributionAndDensity(x[i]).cdf }
        case let (nil, d?):
            for i in range {
                let v = x[i]
                let (cdf, density) = RowMath.normalDistributionAndDensity(v)
                d[i] *= cdf + v * density
            }
        case (nil, nil):
            break
        }
    }
}
