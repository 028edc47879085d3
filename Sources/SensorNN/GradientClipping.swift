import SensorTensor

/// Scales all gradients together so that their global L2 norm is at most `maxNorm` (Pascanu,
/// Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013).
///
/// The norm is over every element of every gradient, summed in Double; parameters without a
/// gradient are skipped. Gradients are scaled in place by `maxNorm / (norm + 1e-6)` when that is
/// below 1, as PyTorch's `clip_grad_norm_` does.
/// - Returns: the global norm before clipping (log it: spikes flag instabilities).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm must be > 0, got \(maxNorm)")
    let gradients = parameters.compactMap { $0.grad }
    var total = 0.0
    for gradient in gradients {
        total += gradient.withUnsafeBufferPointer { sumOfSquares($0) }
    }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for gradient in gradients {
            gradient.withUnsafeMutableBufferPointer { values in
                let base = values.baseAddress!
                for i in 0..<values.count { base[i] *= scale }
            }
        }
    }
    return norm
}

/// Σ x² in Double over four fixed lanes (vectorised, and the same grouping on every run).
private func sumOfSquares(_ values: UnsafeBufferPointer<Float>) -> Double {
    guard let base = values.baseAddress else { return 0 }
    var lanes = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 4 <= values.count {
        let x = SIMD4<Double>(load(base + i))
        lanes += x * x
        i += 4
    }
    var total = lanes.sum()
    while i < values.count {
        total += Double(base[i]) * Double(base[i])
        i += 1
    }
    return total
}
