/// Strict UTF-8 validation that reports where the first bad byte is (the standard library's
/// validating initialisers only say "invalid"). Rejects overlong forms, UTF-16 surrogates and code
/// points above U+10FFFF, as RFC 3629 requires.
enum UTF8Validation {
    /// The offset where the first invalid or truncated sequence starts, or nil when all is valid.
    static func firstInvalidOffset(in bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // Allowed range of the second byte and total sequence length, per RFC 3629 table.
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: return index
            }
            guard index + 1 < count, secondRange.contains(bytes[index + 1]) else { return index }
            for continuation in 2..<length {
                guard index + continuation < count, (0x80...0xBF).contains(bytes[index + continuation]) else {
                    return index
                }
            }
            index += length
        }
        return nil
    }
}
