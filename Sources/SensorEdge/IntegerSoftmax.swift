/// TFLite's int8 SOFTMAX (int8 output, scale 1/256, zero point −128), with gemmlowp's fixed-point exp and
/// reciprocal as the reference kernel uses them.
///
/// A value F<n> is an int32 with n integer bits and 31 − n fractional bits; F<a>·F<b> is a rounding doubling
/// high multiply giving F<a+b>. The input differences x − max(x), scaled by β·s_in into F<5>, go through
/// exp on negative values (F<0> result); the exps are summed in F<12>, the sum's reciprocal is found by
/// Newton–Raphson, and each exp times the reciprocal is shifted down to 8 bits.
public struct IntegerSoftmax: Sendable {
    static let scaledDifferenceIntegerBits = 5
    static let accumulationIntegerBits = 12

    public let inputMultiplier: Int32
    public let inputLeftShift: Int
    /// Differences below this (in input steps) contribute nothing (exp underflows).
    public let differenceMinimum: Int32

    /// Parameters for an input scale and β = 1 (TFLite's `PreprocessSoftmaxScaling` and `CalculateInputRadius`).
    public init(inputScale: Float, beta: Double = 1) {
        let realMultiplier = min(beta * Double(inputScale) * Double(1 << (31 - Self.scaledDifferenceIntegerBits)),
                                 Double((Int64(1) << 31) - 1))
        let quantized = FixedPoint.quantizeMultiplier(realMultiplier)
        precondition(quantized.shift >= 0, "IntegerSoftmax: input scale \(inputScale) gives a multiplier below one")
        inputMultiplier = quantized.multiplier
        inputLeftShift = quantized.shift
        let radius = Double((1 << Self.scaledDifferenceIntegerBits) - 1)
            * Double(Int64(1) << (31 - Self.scaledDifferenceIntegerBits)) / Double(Int64(1) << inputLeftShift)
        differenceMinimum = -Int32(radius.rounded(.down))
    }

    /// Softmax of one row of int8 logits into int8 probabilities (scale 1/256, zero point −128).
    public func callAsFunction(_ input: UnsafeBufferPointer<Int8>, output: UnsafeMutableBufferPointer<Int8>) {
        precondition(input.count == output.count, "IntegerSoftmax: input \(input.count) and output \(output.count) differ")
        let maximum = Int32(input.max() ?? 0)
        var sumOfExps: Int32 = 0
        for value in input {
            let difference = Int32(value) - maximum
            if difference >= differenceMinimum {
                let exp = Self.expOnNegativeValues(scaledDifference(difference))
                sumOfExps &+= Self.roundingMultiplyByPowerOfTwo(exp, -Self.accumulationIntegerBits)
            }
        }
        let (reciprocal, bitsOverUnit) = Self.reciprocal(sumOfExps, integerBits: Self.accumulationIntegerBits)
        for (index, value) in input.enumerated() {
            let difference = Int32(value) - maximum
            if difference >= differenceMinimum {
                let exp = Self.expOnNegativeValues(scaledDifference(difference))
                let unsaturated = FixedPoint.roundingDivideByPowerOfTwo(
                    FixedPoint.saturatingRoundingDoublingHighMultiply(reciprocal, exp), bitsOverUnit + 31 - 8)
                output[index] = Int8(min(max(unsaturated - 128, -128), 127))
            } else {
                output[index] = -128
            }
        }
    }

    /// (x − max) as F<5>: a saturating left shift then the doubling high multiply.
    private func scaledDifference(_ difference: Int32) -> Int32 {
        FixedPoint.saturatingRoundingDoublingHighMultiply(difference &* Int32(1 << inputLeftShift), inputMultiplier)
    }

    /// gemmlowp's `SaturatingRoundingMultiplyByPOT`: x·2^exponent, saturating for left shifts, rounding for right.
    static func roundingMultiplyByPowerOfTwo(_ x: Int32, _ exponent: Int) -> Int32 {
        if exponent == 0 { return x }
        if exponent < 0 { return FixedPoint.roundingDivideByPowerOfTwo(x, -exponent) }
        let threshold = Int32((1 << (31 - exponent)) - 1)
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return x << Int32(exponent)
    }

    private static func multiply(_ a: Int32, _ b: Int32) -> Int32 {
        FixedPoint.saturatingRoundingDoublingHighMultiply(a, b)
    }

    /// exp(a) for a in [−1/4, 0), a and result F<0>: Taylor expansion around −1/8 to the fourth order.
    static func expOnIntervalNegativeQuarterToZero(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1_895_147_668  // exp(−1/8)
        let oneThird: Int32 = 715_827_883
        let x = a &+ (1 << 28)  // a + 1/8
        let x2 = multiply(x, x)
        let x3 = multiply(x2, x)
        let x4 = multiply(x2, x2)
        let x4OverFour = roundingMultiplyByPowerOfTwo(x4, -2)
        let polynomial = roundingMultiplyByPowerOfTwo(multiply(x4OverFour &+ x3, oneThird) &+ x2, -1)
        return constantTerm &+ multiply(constantTerm, x &+ polynomial)
    }

    /// exp(a) for a ≤ 0 given as F<5>, result F<0>: exp of a mod 1/4 on the small interval, times exp(−2^k)
    /// for each set bit k of the remainder (the barrel shifter), and exactly 1 for a = 0.
    static func expOnNegativeValues(_ a: Int32) -> Int32 {
        let fractionalBits = 31 - scaledDifferenceIntegerBits
        let oneQuarter: Int32 = 1 << (fractionalBits - 2)
        let modQuarterMinusQuarter = (a & (oneQuarter - 1)) &- oneQuarter
        var result = expOnIntervalNegativeQuarterToZero(roundingMultiplyByPowerOfTwo(modQuarterMinusQuarter, scaledDifferenceIntegerBits))
        let remainder = modQuarterMinusQuarter &- a
        let barrel: [(exponent: Int, multiplier: Int32)] = [
            (-2, 1_672_461_947), (-1, 1_302_514_674), (0, 790_015_084), (1, 290_630_308),
            (2, 39_332_535), (3, 720_401), (4, 242),
        ]
        for (exponent, multiplier) in barrel where scaledDifferenceIntegerBits > exponent {
            if remainder & (1 << Int32(fractionalBits + exponent)) != 0 { result = multiply(result, multiplier) }
        }
        return a == 0 ? Int32.max : result
    }

    /// 1/(1 + x) for x in [0, 1) as F<0>, by three Newton–Raphson steps on the half denominator in F<2>.
    static func oneOverOnePlus(_ x: Int32) -> Int32 {
        let sum = Int64(x) + Int64(Int32.max)
        let halfDenominator = Int32((sum + (sum >= 0 ? 1 : -1)) / 2)
        let fortyEightOverSeventeen: Int32 = 1_515_870_810
        let minusThirtyTwoOverSeventeen: Int32 = -1_010_580_540
        var estimate = fortyEightOverSeventeen &+ multiply(halfDenominator, minusThirtyTwoOverSeventeen)
        let oneInF2: Int32 = 1 << 29
        for _ in 0..<3 {
            let oneMinusProduct = oneInF2 &- multiply(halfDenominator, estimate)
            estimate = estimate &+ roundingMultiplyByPowerOfTwo(multiply(estimate, oneMinusProduct), 2)
        }
        return roundingMultiplyByPowerOfTwo(estimate, 1)
    }

    /// The reciprocal of a positive F<integerBits> sum as F<0> together with how many bits the sum exceeds one by.
    static func reciprocal(_ x: Int32, integerBits: Int) -> (Int32, Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let bitsOverUnit = integerBits - headroomPlusOne
        let shiftedMinusOne = Int32(bitPattern: (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (UInt32(1) << 31))
        return (oneOverOnePlus(shiftedMinusOne), bitsOverUnit)
    }
}
