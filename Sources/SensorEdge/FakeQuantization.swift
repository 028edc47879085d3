import SensorTensor

/// Fake quantization for quantization-aware training: the forward pass rounds values onto the int8 grid the
/// exporter will use (and back to float), the backward pass is the straight-through estimator — gradient 1
/// inside the representable range, 0 where the value was clamped.
///
/// Written as y = c + (dequantize(quantize(c)) − c) with the correction detached and c = clamp(x), so the
/// rounding adds no gradient and the clamp's own derivative masks the saturated elements.
public enum FakeQuantization {
    /// Per-tensor asymmetric int8 fake quantization of activations with fixed `parameters` (any shape).
    public static func activations(_ input: Tensor, parameters: AffineQuantization) -> Tensor {
        let scale = parameters.scale, zeroPoint = parameters.zeroPoint
        let low = scale * Float(Int8Quantization.activationMinimum - zeroPoint)
        let high = scale * Float(Int8Quantization.activationMaximum - zeroPoint)
        let clamped = input.clamped(min: low, max: high)
        let rounded = clamped.scalars.map {
            scale * Float(Int32(Int8Quantization.quantizeActivation($0, scale: scale, zeroPoint: zeroPoint)) - zeroPoint)
        }
        return clamped + (Tensor(shape: input.shape, scalars: rounded) - clamped.detached())
    }

    /// Symmetric int8 fake quantization of a weight [O, ...], per output channel (index along axis 0) or per
    /// tensor (as FULLY_CONNECTED exports), scales max|w|/127 taken from the current weights. No weight lies
    /// outside its range, so the gradient passes through unchanged.
    public static func weights(_ weight: Tensor, perChannel channelwise: Bool = true) -> Tensor {
        precondition(weight.rank >= 1 && weight.count > 0, "FakeQuantization.weights: weight \(weight.shape) must be non-empty [O, ...]")
        let values = weight.scalars
        let perChannel = channelwise ? weight.count / weight.shape[0] : weight.count
        let scales = Int8Quantization.perChannelScales(values, channels: channelwise ? weight.shape[0] : 1,
                                                       channelOf: { $0 / perChannel })
        let rounded = values.enumerated().map { index, value in
            let scale = scales[index / perChannel]
            return scale * Float(Int8Quantization.quantizeWeight(value, scale: scale))
        }
        return weight + (Tensor(shape: weight.shape, scalars: rounded) - weight.detached())
    }
}

/// Tracks an activation's range during quantization-aware training as an exponential moving average of the
/// batch min/max (a given starting range or the first batch initialises it), and turns it into int8 parameters.
public struct RangeObserver: Sendable {
    public var momentum: Float
    public private(set) var range: PostTrainingQuantization.Range?

    /// `range`: a starting range (e.g. post-training calibration) instead of the first batch's.
    public init(momentum: Float = 0.01, range: PostTrainingQuantization.Range? = nil) {
        precondition(momentum > 0 && momentum <= 1, "RangeObserver: momentum \(momentum) must be in (0, 1]")
        self.momentum = momentum
        self.range = range
    }

    /// Folds a batch's min/max into the running range.
    public mutating func observe(_ tensor: Tensor) {
        let values = tensor.scalars
        let batch = PostTrainingQuantization.Range(minimum: values.min() ?? 0, maximum: values.max() ?? 0)
        guard let current = range else { range = batch; return }
        range = PostTrainingQuantization.Range(minimum: current.minimum + momentum * (batch.minimum - current.minimum),
                                               maximum: current.maximum + momentum * (batch.maximum - current.maximum))
    }

    /// Int8 parameters of the running range (scale 1, zero point 0 before any observation).
    public var parameters: AffineQuantization {
        guard let range else { return AffineQuantization(scale: 1, zeroPoint: 0) }
        return Int8Quantization.activationParameters(minimum: range.minimum, maximum: range.maximum)
    }
}
