/// Affine quantization parameters of one tensor as the TFLite schema stores them: real = scale · (q − zeroPoint),
/// either one (scale, zero point) per tensor or one per slice along `quantizedDimension` (per-channel weights).
public struct AffineQuantization: Sendable, Equatable {
    /// One scale per tensor, or one per channel along `quantizedDimension`; stored as float32 in the flatbuffer,
    /// so every multiplier derives from these float values.
    public var scales: [Float]
    public var zeroPoints: [Int64]
    public var quantizedDimension: Int

    public init(scales: [Float], zeroPoints: [Int64], quantizedDimension: Int = 0) {
        precondition(!scales.isEmpty && scales.count == zeroPoints.count,
                     "AffineQuantization: \(scales.count) scales and \(zeroPoints.count) zero points must match and be non-empty")
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.quantizedDimension = quantizedDimension
    }

    /// Per-tensor parameters.
    public init(scale: Float, zeroPoint: Int) {
        self.init(scales: [scale], zeroPoints: [Int64(zeroPoint)])
    }

    public var scale: Float { scales[0] }
    public var zeroPoint: Int32 { Int32(zeroPoints[0]) }
}

/// The TFLite int8 quantization rules (the "int8 quantization specification"): asymmetric per-tensor activations
/// in [−128, 127], symmetric per-output-channel weights in [−127, 127] with zero point 0, int32 biases with
/// scale = input scale × weight scale.
public enum Int8Quantization {
    public static let activationMinimum: Int32 = -128
    public static let activationMaximum: Int32 = 127
    public static let weightMaximum: Float = 127

    /// Activation parameters for a calibrated range, as TFLite's `ChooseQuantizationParams`: the range is first
    /// widened to include 0 (so zero, the padding value and ReLU's floor, is exact), the scale spans it over
    /// 255 steps, and the zero point is taken from whichever end has the smaller rounding error, then nudged
    /// to an integer in [−128, 127]. An empty range [0, 0] gets scale 1 so no multiplier divides by zero.
    public static func activationParameters(minimum: Float, maximum: Float) -> AffineQuantization {
        precondition(minimum.isFinite && maximum.isFinite && minimum <= maximum,
                     "activationParameters: calibration range [\(minimum), \(maximum)] must be finite and ordered")
        let low = Double(min(minimum, 0))
        let high = Double(max(maximum, 0))
        if low == high { return AffineQuantization(scale: 1, zeroPoint: 0) }
        let qmin = Double(activationMinimum), qmax = Double(activationMaximum)
        let scale = (high - low) / (qmax - qmin)
        let zeroFromMinimum = qmin - low / scale
        let zeroFromMaximum = qmax - high / scale
        let errorFromMinimum = abs(qmin) + abs(low / scale)
        let errorFromMaximum = abs(qmax) + abs(high / scale)
        let zero = errorFromMinimum < errorFromMaximum ? zeroFromMinimum : zeroFromMaximum
        let nudged: Int
        if zero < qmin { nudged = Int(qmin) } else if zero > qmax { nudged = Int(qmax) } else { nudged = Int(zero.rounded()) }
        return AffineQuantization(scale: Float(scale), zeroPoint: nudged)
    }

    /// Symmetric per-channel weight scales max|w_c| / 127 over `channels` slices of `weights` (slice c holds
    /// the elements whose index along the quantized dimension is c; `channelOf` maps a flat index to c).
    /// An all-zero channel gets scale 1.
    public static func perChannelScales(_ weights: [Float], channels: Int, channelOf: (Int) -> Int) -> [Float] {
        var maximumMagnitude = [Float](repeating: 0, count: channels)
        for (index, value) in weights.enumerated() {
            let channel = channelOf(index)
            maximumMagnitude[channel] = max(maximumMagnitude[channel], abs(value))
        }
        return maximumMagnitude.map { $0 > 0 ? $0 / weightMaximum : 1 }
    }

    /// round(real / scale) clamped to [−127, 127] (symmetric weights never use −128).
    @inlinable
    public static func quantizeWeight(_ value: Float, scale: Float) -> Int8 {
        let q = (value / scale).rounded(.toNearestOrAwayFromZero)
        return Int8(max(-weightMaximum, min(weightMaximum, q)))
    }

    /// round(real / scale) + zeroPoint clamped to [−128, 127].
    @inlinable
    public static func quantizeActivation(_ value: Float, scale: Float, zeroPoint: Int32) -> Int8 {
        let q = (value / scale).rounded(.toNearestOrAwayFromZero) + Float(zeroPoint)
        return Int8(max(Float(activationMinimum), min(Float(activationMaximum), q)))
    }

    /// An int32 bias round(b / (s_in · s_w)), clamped to the int32 range; the product is taken in float32
    /// because that is the scale the flatbuffer stores.
    @inlinable
    public static func quantizeBias(_ value: Float, inputScale: Float, weightScale: Float) -> Int32 {
        let scale = inputScale * weightScale
        let q = (Double(value) / Double(scale)).rounded(.toNearestOrAwayFromZero)
        return Int32(max(Double(Int32.min), min(Double(Int32.max), q)))
    }
}

/// TFLite's 16x8 rules: int16 activations symmetric per tensor with zero point 0 in [−32768, 32767] (the scale
/// spans max |x| over 32767 steps), int8 weights as in `Int8Quantization`, int64 biases at s_in · s_w.
public enum Int16Quantization {
    public static let activationMinimum: Int32 = -32768
    public static let activationMaximum: Int32 = 32767

    /// Symmetric parameters for a calibrated range: scale max(|min|, |max|) / 32767, zero point 0; an empty
    /// range [0, 0] gets scale 1.
    public static func activationParameters(minimum: Float, maximum: Float) -> AffineQuantization {
        precondition(minimum.isFinite && maximum.isFinite && minimum <= maximum,
                     "Int16Quantization: calibration range [\(minimum), \(maximum)] must be finite and ordered")
        let magnitude = Double(max(abs(minimum), abs(maximum)))
        return AffineQuantization(scale: magnitude > 0 ? Float(magnitude / Double(activationMaximum)) : 1, zeroPoint: 0)
    }

    /// round(real / scale) clamped to [−32768, 32767].
    public static func quantizeActivation(_ value: Float, scale: Float) -> Int16 {
        let q = (value / scale).rounded(.toNearestOrAwayFromZero)
        return Int16(max(Float(activationMinimum), min(Float(activationMaximum), q)))
    }

    /// An int64 bias round(b / (s_in · s_w)), the product taken in float32 as the flatbuffer stores it.
    public static func quantizeBias(_ value: Float, inputScale: Float, weightScale: Float) -> Int64 {
        let scale = inputScale * weightScale
        let q = (Double(value) / Double(scale)).rounded(.toNearestOrAwayFromZero)
        return Int64(max(-9.2e18, min(9.2e18, q)))
    }
}
