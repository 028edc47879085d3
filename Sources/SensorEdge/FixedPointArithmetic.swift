import Foundation

/// The integer arithmetic of TFLite's int8 kernels (gemmlowp's fixed-point helpers as TFLite Micro's
/// reference kernels use them, default "double rounding" build).
///
/// A real multiplier m > 0 is stored as a 32-bit fixed-point mantissa q in [2^30, 2^31) and a power-of-two
/// exponent e with m ≈ q · 2^(e − 31). Applying it to an accumulator is a rounding doubling high multiply
/// followed by a rounding right shift (or a plain left shift first when e > 0).
public enum FixedPoint {
    /// A real multiplier as TFLite stores it: `multiplier` · 2^(`shift` − 31), positive `shift` is a left shift.
    public struct QuantizedMultiplier: Sendable, Equatable {
        public var multiplier: Int32
        public var shift: Int

        public init(multiplier: Int32, shift: Int) {
            self.multiplier = multiplier
            self.shift = shift
        }
    }

    /// TFLite's `QuantizeMultiplier`: frexp of `real` into a mantissa in [0.5, 1) rounded (half away from
    /// zero) to Q31, carrying into the exponent when it rounds up to 2^31; exponents below −31 flush to zero.
    public static func quantizeMultiplier(_ real: Double) -> QuantizedMultiplier {
        precondition(real.isFinite && real >= 0, "quantizeMultiplier: multiplier \(real) must be finite and >= 0")
        if real == 0 { return QuantizedMultiplier(multiplier: 0, shift: 0) }
        let parts = frexp(real)
        var shift = parts.1
        var fixed = Int64((parts.0 * Double(Int64(1) << 31)).rounded(.toNearestOrAwayFromZero))
        precondition(fixed <= Int64(1) << 31, "quantizeMultiplier: mantissa of \(real) rounded past 2^31")
        if fixed == Int64(1) << 31 {
            fixed /= 2
            shift += 1
        }
        if shift < -31 {
            shift = 0
            fixed = 0
        }
        return QuantizedMultiplier(multiplier: Int32(fixed), shift: shift)
    }

    /// gemmlowp's `SaturatingRoundingDoublingHighMul`: the high 32 bits of 2·a·b rounded to nearest (ties away
    /// from zero via the ±2^30 nudge and truncating division), saturating the single overflow case a = b = −2^31.
    @inlinable
    public static func saturatingRoundingDoublingHighMultiply(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let product = Int64(a) * Int64(b)
        let nudge: Int64 = product >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32(truncatingIfNeeded: (product + nudge) / (Int64(1) << 31))
    }

    /// gemmlowp's `RoundingDivideByPOT`: x / 2^exponent rounded to nearest, ties away from zero.
    @inlinable
    public static func roundingDivideByPowerOfTwo(_ x: Int32, _ exponent: Int) -> Int32 {
        precondition(exponent >= 0 && exponent <= 31, "roundingDivideByPowerOfTwo: exponent \(exponent) must be in 0...31")
        let mask = Int32(truncatingIfNeeded: (Int64(1) << exponent) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> Int32(exponent)) + (remainder > threshold ? 1 : 0)
    }

    /// TFLite's `MultiplyByQuantizedMultiplier` for an int32 accumulator: a left shift (wrapping as the C
    /// code does on two's-complement targets) when `shift` > 0, the doubling high multiply, then a rounding
    /// right shift when `shift` < 0.
    @inlinable
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int) -> Int32 {
        let leftShift = shift > 0 ? shift : 0
        let rightShift = shift > 0 ? 0 : -shift
        let shifted = x &* Int32(truncatingIfNeeded: Int64(1) << leftShift)
        return roundingDivideByPowerOfTwo(saturatingRoundingDoublingHighMultiply(shifted, multiplier), rightShift)
    }

    @inlinable
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ quantized: QuantizedMultiplier) -> Int32 {
        multiplyByQuantizedMultiplier(x, quantized.multiplier, quantized.shift)
    }

    /// TFLite Micro's int8 MEAN multiplier: the s_in/s_out multiplier with 1/n folded in, the mantissa
    /// shifted left by ⌊log2 n⌋ (at most 32 and at most 31 + shift) and divided by n with truncation.
    public static func meanMultiplier(_ base: QuantizedMultiplier, elementCount: Int) -> QuantizedMultiplier {
        precondition(elementCount > 0, "meanMultiplier: element count \(elementCount) must be positive")
        var shift = 63 - UInt64(elementCount).leadingZeroBitCount
        shift = min(shift, 32, 31 + base.shift)
        let multiplier = Int32(truncatingIfNeeded: (Int64(base.multiplier) << Int64(shift)) / Int64(elementCount))
        return QuantizedMultiplier(multiplier: multiplier, shift: base.shift - shift)
    }
}

extension FixedPoint {
    /// TFLite's `MultiplyByQuantizedMultiplier` for an int64 accumulator (16x8 kernels): the mantissa reduced to
    /// 16 bits with rounding (saturating at 0x7FFF), multiplied in int64, then one rounding arithmetic right
    /// shift by 15 − shift. The same in TFLite's single- and double-rounding builds.
    @inlinable
    public static func multiplyByQuantizedMultiplier(_ x: Int64, _ quantized: QuantizedMultiplier) -> Int32 {
        let multiplier = quantized.multiplier
        let reduced: Int64 = multiplier < 0x7FFF_0000 ? Int64((multiplier + (1 << 15)) >> 16) : 0x7FFF
        let totalShift = Int64(15 - quantized.shift)
        let round = Int64(1) << (totalShift - 1)
        return Int32(truncatingIfNeeded: (x &* reduced &+ round) >> totalShift)
    }
}
