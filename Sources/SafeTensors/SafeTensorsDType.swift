/// The element types of the safetensors format, spelled as in the JSON header.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL

    /// Bytes per element (BOOL is stored as one byte per element).
    public var byteSize: Int {
        switch self {
        case .F64, .I64, .U64: return 8
        case .F32, .I32, .U32: return 4
        case .F16, .BF16, .I16, .U16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }

    /// Whether the type holds integers (BOOL is not counted as an integer type).
    public var isInteger: Bool {
        switch self {
        case .I64, .I32, .I16, .I8, .U64, .U32, .U16, .U8: return true
        case .F64, .F32, .F16, .BF16, .BOOL: return false
        }
    }
}

/// Bit-level conversions for the 16-bit float formats. Written out by hand rather than through
/// `Float16`, which is unavailable on some platforms (macOS on x86_64).
enum HalfPrecision {
    /// IEEE 754 binary16 bits to Float; exact for every input, NaN payloads kept.
    static func float(fromHalfBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exactly representable in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 bits (the top half of a Float) to Float; exact.
    static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
