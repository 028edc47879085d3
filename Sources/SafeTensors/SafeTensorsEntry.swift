/// One tensor of a safetensors file: its element type, shape and raw little-endian bytes.
///
/// Invariant: `bytes.count == product(shape) * dtype.byteSize` (checked by the initialisers, by
/// `SafeTensorsFile`'s subscript setter and by `serialized()`). A scalar has shape `[]` and one element.
public struct SafeTensorsEntry: Sendable, Equatable {
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    public var bytes: [UInt8]

    /// Wraps raw little-endian bytes; `bytes.count` must equal `product(shape) * dtype.byteSize`.
    public init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        let needed = SafeTensorsEntry.byteCount(dtype: dtype, shape: shape)
        precondition(
            bytes.count == needed,
            "SafeTensorsEntry(dtype: \(dtype), shape: \(shape)): \(bytes.count) bytes given, \(needed) needed")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor of shape `shape` holding `floats` in row-major order.
    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .F32, shape: shape, encoding: floats) { $0.bitPattern }
    }

    /// An F64 tensor of shape `shape` holding `doubles` in row-major order.
    public init(doubles: [Double], shape: [Int]) {
        self.init(dtype: .F64, shape: shape, encoding: doubles) { $0.bitPattern }
    }

    /// An I64 tensor of shape `shape` holding `int64s` in row-major order.
    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .I64, shape: shape, encoding: int64s) { $0 }
    }

    /// A U8 tensor of shape `shape` holding `uint8s` in row-major order.
    public init(uint8s: [UInt8], shape: [Int]) {
        self.init(dtype: .U8, shape: shape, bytes: uint8s)
    }

    /// A BOOL tensor (one byte per element, 0 or 1) of shape `shape`.
    public init(bools: [Bool], shape: [Int]) {
        self.init(dtype: .BOOL, shape: shape, bytes: bools.map { $0 ? 1 : 0 })
    }

    /// Number of elements: the product of `shape` (1 for a scalar).
    public var elementCount: Int { bytes.count / dtype.byteSize }

    /// The values as Float, converting from any floating or integer dtype (F64 and wide integers are
    /// rounded to the nearest Float). Throws for BOOL.
    public func floats() throws -> [Float] {
        switch dtype {
        case .F32: return copyLittleEndian(as: Float.self) ?? decode(UInt32.self) { Float(bitPattern: $0) }
        case .F64: return decode(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .F16: return decode(UInt16.self) { HalfPrecision.float(fromHalfBits: $0) }
        case .BF16: return decode(UInt16.self) { HalfPrecision.float(fromBFloat16Bits: $0) }
        case .I64: return decode(UInt64.self) { Float(Int64(bitPattern: $0)) }
        case .I32: return decode(UInt32.self) { Float(Int32(bitPattern: $0)) }
        case .I16: return decode(UInt16.self) { Float(Int16(bitPattern: $0)) }
        case .I8: return decode(UInt8.self) { Float(Int8(bitPattern: $0)) }
        case .U64: return decode(UInt64.self) { Float($0) }
        case .U32: return decode(UInt32.self) { Float($0) }
        case .U16: return decode(UInt16.self) { Float($0) }
        case .U8: return decode(UInt8.self) { Float($0) }
        case .BOOL: throw conversionError("cannot convert BOOL to Float; use bools()")
        }
    }

    /// The values as Int64, from any integer dtype. Throws for float dtypes, BOOL, and U64 values above
    /// `Int64.max`.
    public func int64s() throws -> [Int64] {
        switch dtype {
        case .I64: return copyLittleEndian(as: Int64.self) ?? decode(UInt64.self) { Int64(bitPattern: $0) }
        case .I32: return decode(UInt32.self) { Int64(Int32(bitPattern: $0)) }
        case .I16: return decode(UInt16.self) { Int64(Int16(bitPattern: $0)) }
        case .I8: return decode(UInt8.self) { Int64(Int8(bitPattern: $0)) }
        case .U32: return decode(UInt32.self) { Int64($0) }
        case .U16: return decode(UInt16.self) { Int64($0) }
        case .U8: return decode(UInt8.self) { Int64($0) }
        case .U64:
            let values = decode(UInt64.self) { $0 }
            if let index = values.firstIndex(where: { $0 > UInt64(Int64.max) }) {
                throw conversionError("U64 value \(values[index]) at element \(index) does not fit in Int64")
            }
            return values.map { Int64($0) }
        case .F64, .F32, .F16, .BF16, .BOOL:
            throw conversionError("cannot convert \(dtype) to Int64; int64s() reads integer dtypes only")
        }
    }

    /// The values of a BOOL tensor; any nonzero byte is true. Throws for other dtypes.
    public func bools() throws -> [Bool] {
        guard dtype == .BOOL else { throw conversionError("cannot read \(dtype) as BOOL") }
        return bytes.map { $0 != 0 }
    }

    /// Bytes needed for `shape` of `dtype`; traps (programmer error) on negative or overflowing shapes.
    static func byteCount(dtype: SafeTensorsDType, shape: [Int]) -> Int {
        var count = 1
        for extent in shape {
            precondition(extent >= 0, "SafeTensorsEntry: shape \(shape) has a negative extent")
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            precondition(!overflow, "SafeTensorsEntry: shape \(shape) has too many elements")
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        precondition(!overflow, "SafeTensorsEntry: shape \(shape) of \(dtype) needs more bytes than Int holds")
        return bytes
    }

    /// Traps unless the public fields still satisfy the byte-count invariant.
    func checkConsistency(name: String) {
        let needed = SafeTensorsEntry.byteCount(dtype: dtype, shape: shape)
        precondition(
            bytes.count == needed,
            "SafeTensorsFile: tensor '\(name)' has \(bytes.count) bytes but shape \(shape) of \(dtype) needs \(needed)")
    }

    private func conversionError(_ reason: String) -> SafeTensorsError {
        SafeTensorsError(source: "SafeTensorsEntry(\(dtype), shape \(shape))", reason: reason)
    }

    /// Encodes `values` as little-endian `Bits` words (a plain copy on little-endian hosts).
    private init<Value, Bits: FixedWidthInteger>(
        dtype: SafeTensorsDType, shape: [Int], encoding values: [Value], bits: (Value) -> Bits
    ) {
        #if _endian(little)
        if MemoryLayout<Value>.size == MemoryLayout<Bits>.size {
            self.init(dtype: dtype, shape: shape, bytes: values.withUnsafeBytes { [UInt8]($0) })
            return
        }
        #endif
        let size = MemoryLayout<Bits>.size
        let bytes = [UInt8](unsafeUninitializedCapacity: values.count * size) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for index in values.indices {
                raw.storeBytes(of: bits(values[index]).littleEndian, toByteOffset: index * size, as: Bits.self)
            }
            initialized = values.count * size
        }
        self.init(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// `bytes` reinterpreted as `Value`s by one copy when the host is little-endian (the file's byte
    /// order); nil on big-endian hosts, where callers decode word by word.
    private func copyLittleEndian<Value>(as _: Value.Type) -> [Value]? {
        #if _endian(little)
        let count = bytes.count / MemoryLayout<Value>.stride
        return [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            initialized = count
        }
        #else
        return nil
        #endif
    }

    /// Reads `bytes` as little-endian `Bits` words and maps each one.
    private func decode<Bits: FixedWidthInteger, Value>(_: Bits.Type, _ transform: (Bits) -> Value) -> [Value] {
        let size = MemoryLayout<Bits>.size
        let count = bytes.count / size
        return bytes.withUnsafeBytes { raw in
            [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    let word = raw.loadUnaligned(fromByteOffset: index * size, as: Bits.self)
                    (buffer.baseAddress! + index).initialize(to: transform(Bits(littleEndian: word)))
                }
                initialized = count
            }
        }
    }
}
