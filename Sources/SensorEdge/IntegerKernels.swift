/// TFLite Micro's integer reference kernels for 1-D signals at batch 1, written from the TFLite int8 and 16x8
/// arithmetic; one implementation serves both widths (`IntegerRuntime` and `Integer16x8Runtime`).
///
/// Legend: L input length, T output length, I input channels, O output channels, C channels, K taps, s stride.
/// Activations are channels-last ([L, C] row-major, the [1, 1, L, C] tensor's memory); filters are [O, K, I]
/// (CONV_2D) and [K, C] (DEPTHWISE_CONV_2D). Every accumulator sums (q_in − zp_in)·q_w products plus the bias
/// (int32 for int8 activations, int64 for int16 ones, whose zero points are 0), then is requantized with the
/// channel's multiplier, offset by the output zero point and clamped to the fused activation's range.
public enum IntegerKernels {
    /// The clamp of a fused activation on an int8 output with `scale` and `zeroPoint` (TFLite's
    /// `CalculateActivationRangeQuantized`: ReLU's floor is the zero point, ReLU6's ceiling zp + round(6/scale)).
    public static func activationRange(_ activation: FusedActivation, scale: Float, zeroPoint: Int32,
                                       limits: ClosedRange<Int32> = Int8Quantization.activationMinimum...Int8Quantization.activationMaximum)
        -> ClosedRange<Int32> {
        let qmin = limits.lowerBound, qmax = limits.upperBound
        func quantize(_ value: Float) -> Int32 { zeroPoint + Int32((value / scale).rounded(.toNearestOrAwayFromZero)) }
        switch activation {
        case .none: return qmin...qmax
        case .relu: return max(qmin, quantize(0))...qmax
        case .relu6: return max(qmin, quantize(0))...min(qmax, quantize(6))
        }
    }

    /// The last step of every kernel: the accumulator times the multiplier, plus the output zero point, clamped.
    @inline(__always)
    static func requantize<Accumulator: KernelAccumulator, Activation: FixedWidthInteger & SignedInteger>(
        _ accumulator: Accumulator, _ multiplier: FixedPoint.QuantizedMultiplier, outputZeroPoint: Int32, range: ClosedRange<Int32>,
        as _: Activation.Type) -> Activation {
        let scaled = accumulator.multiplied(by: multiplier) &+ outputZeroPoint
        return Activation(truncatingIfNeeded: min(max(scaled, range.lowerBound), range.upperBound))
    }

    /// CONV_2D with a 1×K filter: input [L, I] -> output [T, O], per-channel multipliers.
    public static func convolution<Activation: FixedWidthInteger & SignedInteger, Accumulator: KernelAccumulator>(
        input: UnsafeBufferPointer<Activation>, length: Int, inputChannels: Int, inputZeroPoint: Accumulator,
        filter: UnsafeBufferPointer<Int8>, bias: UnsafeBufferPointer<Accumulator>, outputChannels: Int,
        kernelSize: Int, stride: Int, padding: ConvolutionPadding,
        multipliers: UnsafeBufferPointer<FixedPoint.QuantizedMultiplier>, outputZeroPoint: Int32,
        range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Activation>) {
        let (outputLength, before) = padding.geometry(inputLength: length, kernelSize: kernelSize, stride: stride)
        precondition(input.count == length * inputChannels && filter.count == outputChannels * kernelSize * inputChannels
                     && output.count == outputLength * outputChannels && bias.count == outputChannels && multipliers.count == outputChannels,
                     "IntegerKernels.convolution: buffers do not fit L \(length), I \(inputChannels), O \(outputChannels), K \(kernelSize)")
        for t in 0..<outputLength {
            let origin = t * stride - before
            for o in 0..<outputChannels {
                var accumulator: Accumulator = 0
                for tap in 0..<kernelSize {
                    let position = origin + tap
                    if position < 0 || position >= length { continue }
                    let x = input.baseAddress! + position * inputChannels
                    let w = filter.baseAddress! + (o * kernelSize + tap) * inputChannels
                    for i in 0..<inputChannels {
                        accumulator &+= Accumulator(w[i]) &* (Accumulator(x[i]) &- inputZeroPoint)
                    }
                }
                accumulator &+= bias[o]
                output[t * outputChannels + o] = requantize(accumulator, multipliers[o], outputZeroPoint: outputZeroPoint, range: range,
                                                            as: Activation.self)
            }
        }
    }

    /// DEPTHWISE_CONV_2D with a 1×K filter and depth multiplier 1: input [L, C] -> output [T, C].
    public static func depthwiseConvolution<Activation: FixedWidthInteger & SignedInteger, Accumulator: KernelAccumulator>(
        input: UnsafeBufferPointer<Activation>, length: Int, channels: Int, inputZeroPoint: Accumulator,
        filter: UnsafeBufferPointer<Int8>, bias: UnsafeBufferPointer<Accumulator>, kernelSize: Int,
        stride: Int, padding: ConvolutionPadding,
        multipliers: UnsafeBufferPointer<FixedPoint.QuantizedMultiplier>, outputZeroPoint: Int32,
        range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Activation>) {
        let (outputLength, before) = padding.geometry(inputLength: length, kernelSize: kernelSize, stride: stride)
        precondition(input.count == length * channels && filter.count == kernelSize * channels
                     && output.count == outputLength * channels && bias.count == channels && multipliers.count == channels,
                     "IntegerKernels.depthwiseConvolution: buffers do not fit L \(length), C \(channels), K \(kernelSize)")
        for t in 0..<outputLength {
            let origin = t * stride - before
            for c in 0..<channels {
                var accumulator: Accumulator = 0
                for tap in 0..<kernelSize {
                    let position = origin + tap
                    if position < 0 || position >= length { continue }
                    accumulator &+= Accumulator(filter[tap * channels + c]) &* (Accumulator(input[position * channels + c]) &- inputZeroPoint)
                }
                accumulator &+= bias[c]
                output[t * channels + c] = requantize(accumulator, multipliers[c], outputZeroPoint: outputZeroPoint, range: range,
                                                      as: Activation.self)
            }
        }
    }

    /// FULLY_CONNECTED with per-tensor weights [O, I]: input [I] -> output [O].
    public static func fullyConnected<Activation: FixedWidthInteger & SignedInteger, Accumulator: KernelAccumulator>(
        input: UnsafeBufferPointer<Activation>, inputZeroPoint: Accumulator, weights: UnsafeBufferPointer<Int8>,
        bias: UnsafeBufferPointer<Accumulator>, outputs: Int, multiplier: FixedPoint.QuantizedMultiplier,
        outputZeroPoint: Int32, range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Activation>) {
        let inputs = input.count
        precondition(weights.count == outputs * inputs && bias.count == outputs && output.count == outputs,
                     "IntegerKernels.fullyConnected: weights \(weights.count), bias \(bias.count), output \(output.count) do not fit \(inputs) -> \(outputs)")
        for o in 0..<outputs {
            var accumulator: Accumulator = 0
            let w = weights.baseAddress! + o * inputs
            for i in 0..<inputs { accumulator &+= Accumulator(w[i]) &* (Accumulator(input[i]) &- inputZeroPoint) }
            accumulator &+= bias[o]
            output[o] = requantize(accumulator, multiplier, outputZeroPoint: outputZeroPoint, range: range, as: Activation.self)
        }
    }

    /// MEAN over the length of [L, C] -> [C] (TFLite Micro's mean: the int32 sum minus n·zp_in, requantized by
    /// the s_in/s_out multiplier with 1/n folded in, see `FixedPoint.meanMultiplier`, clamped to the type's range).
    public static func mean<Activation: FixedWidthInteger & SignedInteger>(
        input: UnsafeBufferPointer<Activation>, length: Int, channels: Int, inputZeroPoint: Int32,
        multiplier: FixedPoint.QuantizedMultiplier, outputZeroPoint: Int32, output: UnsafeMutableBufferPointer<Activation>) {
        precondition(input.count == length * channels && output.count == channels,
                     "IntegerKernels.mean: input \(input.count) and output \(output.count) do not fit L \(length), C \(channels)")
        let folded = FixedPoint.meanMultiplier(multiplier, elementCount: length)
        let limits = Int32(Activation.min)...Int32(Activation.max)
        for c in 0..<channels {
            var sum: Int32 = 0
            for t in 0..<length { sum &+= Int32(input[t * channels + c]) }
            output[c] = requantize(sum &- inputZeroPoint &* Int32(length), folded, outputZeroPoint: outputZeroPoint, range: limits,
                                   as: Activation.self)
        }
    }

    /// ADD of two equally shaped tensors (TFLite's integer add: both inputs offset, shifted left by
    /// `parameters.leftShift` bits, rescaled to twice the larger input scale, summed, then rescaled to the output).
    public static func add<Activation: FixedWidthInteger & SignedInteger>(
        first: UnsafeBufferPointer<Activation>, second: UnsafeBufferPointer<Activation>, parameters: AddParameters,
        range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Activation>) {
        precondition(first.count == second.count && first.count == output.count,
                     "IntegerKernels.add: element counts \(first.count), \(second.count), \(output.count) differ")
        for index in 0..<output.count {
            let a = (Int32(first[index]) &- parameters.firstZeroPoint) &* (1 << parameters.leftShift)
            let b = (Int32(second[index]) &- parameters.secondZeroPoint) &* (1 << parameters.leftShift)
            let scaledA = FixedPoint.multiplyByQuantizedMultiplier(a, parameters.firstMultiplier)
            let scaledB = FixedPoint.multiplyByQuantizedMultiplier(b, parameters.secondMultiplier)
            output[index] = requantize(scaledA &+ scaledB, parameters.outputMultiplier, outputZeroPoint: parameters.outputZeroPoint,
                                       range: range, as: Activation.self)
        }
    }
}

/// What the kernels accumulate in: int32 for int8 activations, int64 for 16x8; each applies TFLite's
/// `MultiplyByQuantizedMultiplier` of its width (they round differently, see `FixedPoint`).
public protocol KernelAccumulator: FixedWidthInteger & SignedInteger {
    func multiplied(by multiplier: FixedPoint.QuantizedMultiplier) -> Int32
}

extension Int32: KernelAccumulator {
    @inline(__always)
    public func multiplied(by multiplier: FixedPoint.QuantizedMultiplier) -> Int32 { FixedPoint.multiplyByQuantizedMultiplier(self, multiplier) }
}

extension Int64: KernelAccumulator {
    @inline(__always)
    public func multiplied(by multiplier: FixedPoint.QuantizedMultiplier) -> Int32 { FixedPoint.multiplyByQuantizedMultiplier(self, multiplier) }
}

/// The fixed-point constants of an ADD, derived in double from the float32 scales as TFLite does; inputs are
/// shifted left by 20 bits for int8 and by 15 for int16 (so 65535 << 15 still fits the int32 sum).
public struct AddParameters: Sendable {
    public var leftShift: Int32
    public var firstZeroPoint: Int32
    public var secondZeroPoint: Int32
    public var outputZeroPoint: Int32
    public var firstMultiplier: FixedPoint.QuantizedMultiplier
    public var secondMultiplier: FixedPoint.QuantizedMultiplier
    public var outputMultiplier: FixedPoint.QuantizedMultiplier

    public init(first: AffineQuantization, second: AffineQuantization, output: AffineQuantization, leftShift: Int32 = 20) {
        self.leftShift = leftShift
        let twiceMaximum = 2 * Double(max(first.scale, second.scale))
        firstZeroPoint = first.zeroPoint
        secondZeroPoint = second.zeroPoint
        outputZeroPoint = output.zeroPoint
        firstMultiplier = FixedPoint.quantizeMultiplier(Double(first.scale) / twiceMaximum)
        secondMultiplier = FixedPoint.quantizeMultiplier(Double(second.scale) / twiceMaximum)
        outputMultiplier = FixedPoint.quantizeMultiplier(twiceMaximum / (Double(1 << leftShift) * Double(output.scale)))
    }
}
