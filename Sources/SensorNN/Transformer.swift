import SensorTensor

/// Multi-head self-attention with a fused query/key/value projection (`qkv`, [3·D, D]) and an
/// output `projection` ([D, D]), as in the bench-small reference.
///
/// Legend: B batch, T tokens, D dimensions, H heads, Dh = D/H.
public final class MultiHeadAttention: Module {
    public let qkv: Linear
    public let projection: Linear
    public let headCount: Int

    public init(dimensions: Int, headCount: Int, generator: inout RandomGenerator) {
        precondition(headCount > 0 && dimensions % headCount == 0,
                     "MultiHeadAttention: \(headCount) heads must divide \(dimensions) dimensions")
        qkv = Linear(inputDimensions: dimensions, outputDimensions: 3 * dimensions, generator: &generator)
        projection = Linear(inputDimensions: dimensions, outputDimensions: dimensions, generator: &generator)
        self.headCount = headCount
    }

    /// x [B, T, D] -> [B, T, D]. `mask` is additive ([T, T] or [B|1, H|1, T, T], may hold −∞).
    public func callAsFunction(_ input: Tensor, mask: Tensor? = nil) -> Tensor {
        precondition(input.rank == 3 && input.shape[2] == projection.outputDimensions,
                     "MultiHeadAttention: input \(input.shape) must be [B, T, \(projection.outputDimensions)]")
        // The fused [B, T, 3D] projection is read in place by the attention kernel, which writes
        // [B, T, D] with the heads side by side: no layout copies.
        let attended = Tensor.packedSelfAttention(qkv: qkv(input), headCount: headCount, mask: mask)
        return projection(attended)
    }
}

/// A pre-LayerNorm Transformer block (Xiong et al., 2020):
/// x + attention(norm1(x)), then + feedForward(norm2(x)) with a GELU MLP. [B, T, D] -> [B, T, D].
public final class TransformerBlock: Module, UnaryLayer {
    public let norm1: LayerNorm
    public let attention: MultiHeadAttention
    public let norm2: LayerNorm
    public let feedForward: MLP

    public init(dimensions: Int, headCount: Int, feedForwardDimensions: Int, generator: inout RandomGenerator) {
        norm1 = LayerNorm(dimensions: dimensions)
        attention = MultiHeadAttention(dimensions: dimensions, headCount: headCount, generator: &generator)
        norm2 = LayerNorm(dimensions: dimensions)
        feedForward = MLP(dimensions: [dimensions, feedForwardDimensions, dimensions], activation: .gelu(.erf),
                          generator: &generator)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { callAsFunction(input, mask: nil) }

    /// x [B, T, D] with an optional additive attention mask (see `MultiHeadAttention`).
    public func callAsFunction(_ input: Tensor, mask: Tensor?) -> Tensor {
        let x = input + attention(norm1(input), mask: mask)
        return x + feedForward(norm2(x))
    }
}
