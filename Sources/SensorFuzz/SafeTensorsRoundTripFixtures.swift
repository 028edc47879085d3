import Foundation
import SafeTensors

/// The files Swift writes for Python to read (DIR/from-swift), each with its expected values as
/// decimal strings. Strings are the source of truth: Python parses them independently and compares.
/// BF16 is left out because numpy has no bfloat16 type for `safetensors.numpy.load_file`.
enum SafeTensorsRoundTripFixtures {
    struct Tensor {
        let dtype: SafeTensorsDType
        let shape: [Int]
        let values: [String]
        /// Hand-written bytes for F16 (Swift has no portable Float→half conversion here); nil otherwise.
        let halfBytes: [UInt8]?

        init(_ dtype: SafeTensorsDType, _ shape: [Int], _ values: [String], halfBytes: [UInt8]? = nil) {
            self.dtype = dtype
            self.shape = shape
            self.values = values
            self.halfBytes = halfBytes
        }
    }

    struct Fixture {
        let name: String
        let metadata: [String: String]
        let tensors: [String: Tensor]
    }

    static let fixtures: [Fixture] = [
        Fixture(name: "dtypes", metadata: ["writer": "sensorfm", "unicode": "größe 日本 \"quoted\"\n"], tensors: [
            "f64": Tensor(.F64, [5], ["1.5", "-0.0", "1e-300", "inf", "0.1"]),
            "f32": Tensor(.F32, [2, 3], ["0.1", "-2.5", "3.4028235e+38", "1e-45", "nan", "-inf"]),
            // 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, 2^-24 = 0x0001, 0.333251953125 = 0x3555
            "f16": Tensor(.F16, [5], ["1.0", "-2.0", "65504.0", "5.960464477539063e-08", "0.333251953125"],
                          halfBytes: [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x55, 0x35]),
            "i64": Tensor(.I64, [3], ["-9223372036854775808", "9223372036854775807", "-1"]),
            "i32": Tensor(.I32, [2], ["-2147483648", "2147483647"]),
            "i16": Tensor(.I16, [2], ["-32768", "32767"]),
            "i8": Tensor(.I8, [3], ["-128", "127", "0"]),
            "u64": Tensor(.U64, [2], ["18446744073709551615", "0"]),
            "u32": Tensor(.U32, [2], ["4294967295", "1"]),
            "u16": Tensor(.U16, [2], ["65535", "2"]),
            "u8": Tensor(.U8, [2], ["255", "3"]),
            "bool": Tensor(.BOOL, [2, 2], ["true", "false", "false", "true"]),
        ]),
        Fixture(name: "shapes", metadata: [:], tensors: [
            "scalar": Tensor(.F32, [], ["42.0"]),
            "empty": Tensor(.F32, [0, 3], []),
            "four_d": Tensor(.U8, [2, 1, 3, 1], ["1", "2", "3", "4", "5", "6"]),
            "column": Tensor(.I64, [3, 1], ["7", "8", "9"]),
        ]),
        Fixture(name: "metadata_only", metadata: ["note": "no tensors"], tensors: [:]),
    ]

    /// Encodes a fixture tensor's strings as little-endian bytes of its dtype.
    static func entry(_ tensor: Tensor) -> SafeTensorsEntry {
        if let halfBytes = tensor.halfBytes {
            return SafeTensorsEntry(dtype: tensor.dtype, shape: tensor.shape, bytes: halfBytes)
        }
        var bytes: [UInt8] = []
        func append<Word: FixedWidthInteger>(_ word: Word) {
            withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        }
        for text in tensor.values {
            switch tensor.dtype {
            case .F64: append(Double(text)!.bitPattern)
            case .F32: append(Float(text)!.bitPattern)
            case .I64: append(Int64(text)!)
            case .I32: append(Int32(text)!)
            case .I16: append(Int16(text)!)
            case .I8: append(Int8(text)!)
            case .U64: append(UInt64(text)!)
            case .U32: append(UInt32(text)!)
            case .U16: append(UInt16(text)!)
            case .U8: append(UInt8(text)!)
            case .BOOL: append(UInt8(text == "true" ? 1 : 0))
            case .F16, .BF16: preconditionFailure("fixture \(tensor.dtype) tensors need hand-written bytes")
            }
        }
        return SafeTensorsEntry(dtype: tensor.dtype, shape: tensor.shape, bytes: bytes)
    }

    /// The values of `entry` as canonical strings (Swift's shortest round-trip descriptions).
    static func valueStrings(of entry: SafeTensorsEntry) throws -> [String] {
        func words<Word: FixedWidthInteger>(_: Word.Type) -> [Word] {
            let size = MemoryLayout<Word>.size
            return entry.bytes.withUnsafeBytes { raw in
                (0..<(raw.count / size)).map { Word(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: Word.self)) }
            }
        }
        switch entry.dtype {
        case .F32, .F16, .BF16: return try entry.floats().map { "\($0)" }
        case .F64: return words(UInt64.self).map { "\(Double(bitPattern: $0))" }
        case .U64: return words(UInt64.self).map { "\($0)" }
        case .I64, .I32, .I16, .I8, .U32, .U16, .U8: return try entry.int64s().map { "\($0)" }
        case .BOOL: return try entry.bools().map { "\($0)" }
        }
    }

    /// A sidecar string re-printed the way `valueStrings` prints a value of `dtype`, or nil if unparsable.
    static func canonical(_ text: String, dtype: SafeTensorsDType) -> String? {
        switch dtype {
        case .F32, .F16, .BF16: return Float(text).map { "\($0)" }
        case .F64: return Double(text).map { "\($0)" }
        case .U64: return UInt64(text).map { "\($0)" }
        case .I64, .I32, .I16, .I8, .U32, .U16, .U8: return Int64(text).map { "\($0)" }
        case .BOOL: return text == "true" || text == "false" ? text : nil
        }
    }
}
