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
        total += gradient.withUnsafeBufferPointer { values in
            var sum = 0.0
            for value in values { sum += Double(value) * Double(value) }
            return sum
        }
    }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for gradient in gradients {
            gradient.withUnsafeMutableBufferPointer { values in
                for i in values.indices { values[i] *= scale }
            }
        }
    }
    return norm
}
