import Testing
import SensorNN
import SensorTensor
@testable import SensorEdge

@Suite struct EdgeQuantizationTests {
    typealias QM = FixedPoint.QuantizedMultiplier

    @Test func quantizeMultiplierHandValues() {
        #expect(FixedPoint.quantizeMultiplier(0.5) == QM(multiplier: 1 << 30, shift: 0))
        #expect(FixedPoint.quantizeMultiplier(1.0) == QM(multiplier: 1 << 30, shift: 1))
        #expect(FixedPoint.quantizeMultiplier(0.75) == QM(multiplier: 1_610_612_736, shift: 0))
        #expect(FixedPoint.quantizeMultiplier(0.1) == QM(multiplier: 1_717_986_918, shift: -3))  // 0.8·2^31 rounded
        #expect(FixedPoint.quantizeMultiplier(0) == QM(multiplier: 0, shift: 0))
        // Exponent below −31 flushes to zero.
        #expect(FixedPoint.quantizeMultiplier(1e-12) == QM(multiplier: 0, shift: 0))
        // A mantissa that rounds up to 2^31 carries into the exponent.
        #expect(FixedPoint.quantizeMultiplier(1 - 0x1p-40) == QM(multiplier: 1 << 30, shift: 1))
    }

    @Test func saturatingRoundingDoublingHighMultiply() {
        #expect(FixedPoint.saturatingRoundingDoublingHighMultiply(1 << 30, 1 << 30) == 1 << 29)
        #expect(FixedPoint.saturatingRoundingDoublingHighMultiply(Int32.min, Int32.min) == Int32.max)
        #expect(FixedPoint.saturatingRoundingDoublingHighMultiply(Int32.max, Int32.max) == 2_147_483_646)
        // 2·3·2^30 / 2^32 = 1.5: positive ties round up, the negative nudge 1 − 2^30 rounds −1.5 to −1.
        #expect(FixedPoint.saturatingRoundingDoublingHighMultiply(3, 1 << 30) == 2)
        #expect(FixedPoint.saturatingRoundingDoublingHighMultiply(-3, 1 << 30) == -1)
        #expect(FixedPoint.saturatingRoundingDoublingHighMultiply(-5, 1 << 30) == -2)
    }

    @Test func roundingDivideByPowerOfTwo() {
        #expect(FixedPoint.roundingDivideByPowerOfTwo(5, 1) == 3)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(-5, 1) == -3)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(4, 1) == 2)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(7, 2) == 2)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(-6, 2) == -2)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(-5, 2) == -1)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(123, 0) == 123)
        #expect(FixedPoint.roundingDivideByPowerOfTwo(Int32.min, 31) == -1)
    }

    @Test func multiplyByQuantizedMultiplier() {
        #expect(FixedPoint.multiplyByQuantizedMultiplier(100, 1 << 30, 0) == 50)
        #expect(FixedPoint.multiplyByQuantizedMultiplier(100, 1 << 30, 2) == 200)
        #expect(FixedPoint.multiplyByQuantizedMultiplier(100, 1 << 30, -1) == 25)
        #expect(FixedPoint.multiplyByQuantizedMultiplier(-100, 1 << 30, -3) == -6)  // −6.25
        #expect(FixedPoint.multiplyByQuantizedMultiplier(-99, 1 << 30, -1) == -25)  // −24.75
        #expect(FixedPoint.multiplyByQuantizedMultiplier(Int32.min, Int32.min, 0) == Int32.max)
    }

    @Test func meanMultiplierFoldsTheCount() {
        let half = QM(multiplier: 1 << 30, shift: 0)
        #expect(FixedPoint.meanMultiplier(half, elementCount: 4) == QM(multiplier: 1 << 30, shift: -2))
        #expect(FixedPoint.meanMultiplier(half, elementCount: 3) == QM(multiplier: 715_827_882, shift: -1))
        #expect(FixedPoint.meanMultiplier(half, elementCount: 1) == half)
    }

    @Test func activationParametersIncludeZero() {
        let symmetric = Int8Quantization.activationParameters(minimum: -1, maximum: 1)
        #expect(symmetric.scale == Float(2.0 / 255.0))
        #expect(symmetric.zeroPoint == -1)  // −0.5 taken from the max end, rounded away from zero
        let positive = Int8Quantization.activationParameters(minimum: 0.5, maximum: 2.55)
        #expect(positive.scale == Float(0.01) && positive.zeroPoint == -128)
        let negative = Int8Quantization.activationParameters(minimum: -5.1, maximum: -1)
        #expect(negative.scale == Float(0.02) && negative.zeroPoint == 127)
        #expect(Int8Quantization.activationParameters(minimum: 0, maximum: 0) == AffineQuantization(scale: 1, zeroPoint: 0))
    }

    @Test func weightsAndBiases() {
        let weights: [Float] = [1, -2, 0.5, 0.25]
        let scales = Int8Quantization.perChannelScales(weights, channels: 2, channelOf: { $0 / 2 })
        #expect(scales == [2 / 127, 0.5 / 127])
        let quantized = weights.enumerated().map { Int8Quantization.quantizeWeight($1, scale: scales[$0 / 2]) }
        #expect(quantized == [64, -127, 127, 64])
        #expect(Int8Quantization.perChannelScales([0, 0], channels: 1, channelOf: { _ in 0 }) == [1])
        #expect(Int8Quantization.quantizeWeight(-5, scale: 0.01) == -127)
        #expect(Int8Quantization.quantizeBias(0.3, inputScale: 0.5, weightScale: 0.04) == 15)
        #expect(Int8Quantization.quantizeActivation(0.26, scale: 0.1, zeroPoint: -10) == -7)
        #expect(Int8Quantization.quantizeActivation(100, scale: 0.1, zeroPoint: -10) == 127)
    }

    @Test func foldedBatchNormEqualsConvolutionThenBatchNorm() {
        var generator = RandomGenerator(seed: 3)
        let unit = ConvolutionUnit(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, groups: 1, generator: &generator)
        let norm = unit.normalization
        norm.weight.assign(Tensor(shape: [4], scalars: [0.5, 1.5, -0.7, 2]))
        norm.bias.assign(Tensor(shape: [4], scalars: [0.1, -0.2, 0.3, 0]))
        norm.runningMean.assign(Tensor(shape: [4], scalars: [0.2, -0.1, 0, 0.4]))
        norm.runningVariance.assign(Tensor(shape: [4], scalars: [0.5, 2, 1, 0.3]))
        unit.eval()
        let input = Tensor.normal([2, 3, 11], generator: &generator)
        let expected = withNoGrad { norm(unit.convolution(input)) }
        let folded = FoldedConvolution(unit)
        let actual = input.conv1d(weight: Tensor(shape: [4, 3, 3], scalars: folded.weight),
                                  bias: Tensor(shape: [4], scalars: folded.bias), stride: 2)
        let difference = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-5)
    }
}
