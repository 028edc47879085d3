/// TFLite Micro's int8 reference kernels for 1-D signals at batch 1, written from the TFLite int8 arithmetic.
///
/// Legend: L input length, T output length, I input channels, O output channels, C channels, K taps, s stride.
/// Activations are channels-last ([L, C] row-major, the [1, 1, L, C] tensor's memory); filters are [O, K, I]
/// (CONV_2D) and [K, C] (DEPTHWISE_CONV_2D). Every accumulator is int32 over (q_in − zp_in)·q_w products plus
/// the int32 bias, then requantized with the channel's multiplier, offset by the output zero point and
/// clamped to the fused activation's range.
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

    /// CONV_2D with a 1×K filter: input [L, I] -> output [T, O], per-channel multipliers.
    public static func convolution(input: UnsafeBufferPointer<Int8>, length: Int, inputChannels: Int, inputZeroPoint: Int32,
                                   filter: UnsafeBufferPointer<Int8>, bias: UnsafeBufferPointer<Int32>, outputChannels: Int,
                                   kernelSize: Int, stride: Int, padding: ConvolutionPadding,
                                   multipliers: UnsafeBufferPointer<FixedPoint.QuantizedMultiplier>, outputZeroPoint: Int32,
                                   range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Int8>) {
        let (outputLength, before) = padding.geometry(inputLength: length, kernelSize: kernelSize, stride: stride)
        precondition(input.count == length * inputChannels && filter.count == outputChannels * kernelSize * inputChannels
                     && output.count == outputLength * outputChannels && bias.count == outputChannels && multipliers.count == outputChannels,
                     "IntegerKernels.convolution: buffers do not fit L \(length), I \(inputChannels), O \(outputChannels), K \(kernelSize)")
        for t in 0..<outputLength {
            let origin = t * stride - before
            for o in 0..<outputChannels {
                var accumulator: Int32 = 0
                for tap in 0..<kernelSize {
                    let position = origin + tap
                    if position < 0 || position >= length { continue }
                    let x = input.baseAddress! + position * inputChannels
                    let w = filter.baseAddress! + (o * kernelSize + tap) * inputChannels
                    for i in 0..<inputChannels {
                        accumulator &+= Int32(w[i]) &* (Int32(x[i]) &- inputZeroPoint)
                    }
                }
                accumulator &+= bias[o]
                let scaled = FixedPoint.multiplyByQuantizedMultiplier(accumulator, multipliers[o]) &+ outputZeroPoint
                output[t * outputChannels + o] = Int8(min(max(scaled, range.lowerBound), range.upperBound))
            }
        }
    }

    /// DEPTHWISE_CONV_2D with a 1×K filter and depth multiplier 1: input [L, C] -> output [T, C].
    public static func depthwiseConvolution(input: UnsafeBufferPointer<Int8>, length: Int, channels: Int, inputZeroPoint: Int32,
                                            filter: UnsafeBufferPointer<Int8>, bias: UnsafeBufferPointer<Int32>, kernelSize: Int,
                                            stride: Int, padding: ConvolutionPadding,
                                            multipliers: UnsafeBufferPointer<FixedPoint.QuantizedMultiplier>, outputZeroPoint: Int32,
                                            range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Int8>) {
        let (outputLength, before) = padding.geometry(inputLength: length, kernelSize: kernelSize, stride: stride)
        precondition(input.count == length * channels && filter.count == kernelSize * channels
                     && output.count == outputLength * channels && bias.count == channels && multipliers.count == channels,
                     "IntegerKernels.depthwiseConvolution: buffers do not fit L \(length), C \(channels), K \(kernelSize)")
        for t in 0..<outputLength {
            let origin = t * stride - before
            for c in 0..<channels {
                var accumulator: Int32 = 0
                for tap in 0..<kernelSize {
                    let position = origin + tap
                    if position < 0 || position >= length { continue }
                    accumulator &+= Int32(filter[tap * channels + c]) &* (Int32(input[position * channels + c]) &- inputZeroPoint)
                }
                accumulator &+= bias[c]
                let scaled = FixedPoint.multiplyByQuantizedMultiplier(accumulator, multipliers[c]) &+ outputZeroPoint
                output[t * channels + c] = Int8(min(max(scaled, range.lowerBound), range.upperBound))
            }
        }
    }

    /// FULLY_CONNECTED with per-tensor weights [O, I]: input [I] -> output [O].
    public static func fullyConnected(input: UnsafeBufferPointer<Int8>, inputZeroPoint: Int32, weights: UnsafeBufferPointer<Int8>,
                                      bias: UnsafeBufferPointer<Int32>, outputs: Int, multiplier: FixedPoint.QuantizedMultiplier,
                                      outputZeroPoint: Int32, range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Int8>) {
        let inputs = input.count
        precondition(weights.count == outputs * inputs && bias.count == outputs && output.count == outputs,
                     "IntegerKernels.fullyConnected: weights \(weights.count), bias \(bias.count), output \(output.count) do not fit \(inputs) -> \(outputs)")
        for o in 0..<outputs {
            var accumulator: Int32 = 0
            let w = weights.baseAddress! + o * inputs
            for i in 0..<inputs { accumulator &+= Int32(w[i]) &* (Int32(input[i]) &- inputZeroPoint) }
            accumulator &+= bias[o]
            let scaled = FixedPoint.multiplyByQuantizedMultiplier(accumulator, multiplier) &+ outputZeroPoint
            output[o] = Int8(min(max(scaled, range.lowerBound), range.upperBound))
        }
    }

    /// MEAN over the length of [L, C] -> [C] (TFLite Micro's int8 mean: the sum minus n·zp_in, requantized by
    /// the s_in/s_out multiplier with 1/n folded in, see `FixedPoint.meanMultiplier`).
    public static func mean(input: UnsafeBufferPointer<Int8>, length: Int, channels: Int, inputZeroPoint: Int32,
                            multiplier: FixedPoint.QuantizedMultiplier, outputZeroPoint: Int32,
                            output: UnsafeMutableBufferPointer<Int8>) {
        precondition(input.count == length * channels && output.count == channels,
                     "IntegerKernels.mean: input \(input.count) and output \(output.count) do not fit L \(length), C \(channels)")
        let folded = FixedPoint.meanMultiplier(multiplier, elementCount: length)
        for c in 0..<channels {
            var sum: Int32 = 0
            for t in 0..<length { sum &+= Int32(input[t * channels + c]) }
            let shifted = sum &- inputZeroPoint &* Int32(length)
            let scaled = FixedPoint.multiplyByQuantizedMultiplier(shifted, folded) &+ outputZeroPoint
            output[c] = Int8(min(max(scaled, Int8Quantization.activationMinimum), Int8Quantization.activationMaximum))
        }
    }

    /// ADD of two equally shaped int8 tensors (TFLite's int8 add: both inputs offset, shifted left by 20 bits,
    /// rescaled to twice the larger input scale, summed, then rescaled to the output).
    public static func add(first: UnsafeBufferPointer<Int8>, second: UnsafeBufferPointer<Int8>, parameters: AddParameters,
                           range: ClosedRange<Int32>, output: UnsafeMutableBufferPointer<Int8>) {
        precondition(first.count == second.count && first.count == output.count,
                     "IntegerKernels.add: element counts \(first.count), \(second.count), \(output.count) differ")
        for index in 0..<output.count {
            let a = (Int32(first[index]) &- parameters.firstZeroPoint) &* (1 << parameters.leftShift)
            let b = (Int32(second[index]) &- parameters.secondZeroPoint) &* (1 << parameters.leftShift)
            let scaledA = FixedPoint.multiplyByQuantizedMultiplier(a, parameters.firstMultiplier)
            let scaledB = FixedPoint.multiplyByQuantizedMultiplier(b, parameters.secondMultiplier)
            let sum = FixedPoint.multiplyByQuantizedMultiplier(scaledA &+ scaledB, parameters.outputMultiplier) &+ parameters.outputZeroPoint
            output[index] = Int8(min(max(sum, range.lowerBound), range.upperBound))
        }
    }
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
