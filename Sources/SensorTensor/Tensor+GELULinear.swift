/// GELU followed by a linear layer as one recorded op that keeps only the GELU input.
///
/// In a Transformer's feed-forward block the unfused pair keeps both the GELU input (for GELU's
/// derivative) and its output (for the weight gradient): two [tokens, hidden] tensors per block.
/// This op recomputes the GELU output in the backward pass instead (one elementwise pass, no
/// extra GEMM), which removes a quarter of the activations bench-small keeps alive.
extension Tensor {
    /// gelu(x)·Wᵀ + b (exact erf GELU): x [..., in], weight [out, in], bias [out] -> [..., out]; the
    /// same numbers as `gelu().linear(weight:bias:)`.
    public func geluLinear(weight: Tensor, bias: Tensor?) -> Tensor {
        let input = self
        let output = withNoGrad { input.gelu().linear(weight: weight, bias: bias) }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        let inputDimensions = weight.shape[1], outputDimensions = weight.shape[0]
        return Tensor.record(output, op: "geluLinear", inputs: inputs) { g in
            // Legend: N rows, I = in, O = out. h = gelu(x) [N, I] recomputed;
            // dW = Gᵀ·h [O, I], db = Σ_rows G [O], dh = G·W [N, I], dx = dh ∘ gelu'(x) in place.
            let rows = g.reshaped([-1, outputDimensions])
            let activated = input.gelu().reshaped([-1, inputDimensions])
            let weightGradient = weight.requiresGrad ? rows.matmul(activated, transposeA: true) : nil
            let biasGradient = bias == nil ? nil : rows.sum(axes: [0])
            let inputGradient = rows.matmul(weight).reshaped(input.shape)
            let x = UnsafePointer(input.data), d = inputGradient.data
            Threading.parallelFor(input.count, minimumPerThread: 1 << 14) { range in
                for i in range {
                    let v = x[i]
                    let cdf = 0.5 * (1 + RowMath.erf(v * GELUConstants.inverseSquareRootTwo))
                    let density = RowMath.exp(-0.5 * v * v) * GELUConstants.inverseSquareRootTwoPi
                    d[i] *= cdf + v * density
                }
            }
            return [inputGradient, weightGradient, biasGradient].prefix(inputs.count).map { $0 }
        }
    }
}
