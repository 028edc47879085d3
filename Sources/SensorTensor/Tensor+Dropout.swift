/// Inverted dropout: zero each element with probability p and scale the survivors by 1/(1 − p),
/// so evaluation (identity) needs no rescaling.
extension Tensor {
    /// Same shape as the input. The mask is drawn from `generator` in row-major order, one uniform
    /// per element, so a seed fixes it. `training == false` or p == 0 returns the input unchanged.
    public func dropout(probability: Float, generator: inout RandomGenerator, training: Bool = true) -> Tensor {
        precondition((0...1).contains(probability), "dropout: probability \(probability) is outside [0, 1] (input \(shape))")
        guard training, probability > 0 else { return self }
        // mask[i] = 1/(1 − p) where kept, 0 where dropped (p == 1 drops everything).
        let mask = Tensor(uninitializedShape: shape)
        let keepScale: Float = probability < 1 ? 1 / (1 - probability) : 0
        let m = mask.data
        for i in 0..<count { m[i] = generator.nextUniform() < probability ? 0 : keepScale }
        let result = Tensor(uninitializedShape: shape)
        let x = UnsafePointer(data), y = result.data
        Threading.parallelFor(count, minimumPerThread: 1 << 15) { range in
            for i in range { y[i] = x[i] * m[i] }
        }
        return Tensor.record(result, op: "dropout", inputs: [self]) { g in
            // dx = g ∘ mask
            let dx = Tensor(uninitializedShape: g.shape)
            let gp = UnsafePointer(g.data), maskp = UnsafePointer(mask.data), dxp = dx.data
            Threading.parallelFor(g.count, minimumPerThread: 1 << 15) { range in
                for i in range { dxp[i] = gp[i] * maskp[i] }
            }
            return [dx]
        }
    }
}
