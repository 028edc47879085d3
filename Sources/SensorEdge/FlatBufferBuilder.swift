/// A minimal FlatBuffers encoder: a value tree (tables, vectors, strings) serialised into one byte buffer.
///
/// Layout rules (FlatBuffers binary format): the buffer starts with a u32 offset to the root table, optionally
/// followed by a 4-byte file identifier. A table begins with an i32 `soffset` such that the vtable lives at
/// table − soffset; the vtable is u16 [vtable bytes, table inline bytes, one offset per field slot (0 =
/// absent)]. References to tables, vectors and strings are u32 offsets counted forward from the referring
/// field. Vectors and strings are a u32 element count then the elements (strings NUL-terminated); every
/// scalar sits at a multiple of its size.
///
/// This builder writes front to back: each object is placed, then the objects it refers to after it, and
/// the forward offsets are patched in once their targets are placed. Every reference therefore points
/// forward, as the format requires, with no back-to-front pass.
public indirect enum FlatBufferValue: Sendable {
    /// Fields by slot (vtable index); nil slots are absent and read as the schema default.
    case table([FlatBufferField?])
    case string(String)
    /// A byte vector whose first element sits at a multiple of `alignment` (the schema's `force_align`).
    case bytes([UInt8], alignment: Int)
    case int32Vector([Int32])
    case int64Vector([Int64])
    case float32Vector([Float])
    case tableVector([FlatBufferValue])
}

/// One table field: an inline scalar or a reference to another value.
public enum FlatBufferField: Sendable {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int32(Int32)
    case uint32(UInt32)
    case float32(Float)
    case reference(FlatBufferValue)

    var size: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int32, .uint32, .float32, .reference: 4
        }
    }
}

public struct FlatBufferBuilder {
    private(set) var bytes: [UInt8] = []

    /// Serialises `root` with the 4-character `fileIdentifier` (for example "TFL3").
    public static func serialize(root: FlatBufferValue, fileIdentifier: String) -> [UInt8] {
        let identifier = Array(fileIdentifier.utf8)
        precondition(identifier.count == 4, "FlatBufferBuilder: file identifier \(fileIdentifier) must be 4 bytes")
        var builder = FlatBufferBuilder()
        builder.bytes = [0, 0, 0, 0] + identifier
        builder.place(root, referencedFrom: 0)
        return builder.bytes
    }

    private mutating func pad(toMultipleOf alignment: Int, reserving extra: Int = 0) {
        while (bytes.count + extra) % alignment != 0 { bytes.append(0) }
    }

    private mutating func appendScalar<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func patchOffset(at position: Int, target: Int) {
        let offset = UInt32(target - position)
        withUnsafeBytes(of: offset.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[position + index] = byte }
        }
    }

    /// Places `value` at the end of the buffer and points the u32 at `referencedFrom` to it.
    private mutating func place(_ value: FlatBufferValue, referencedFrom position: Int) {
        let target: Int
        switch value {
        case .table(let fields):
            target = placeTable(fields)
        case .string(let string):
            pad(toMultipleOf: 4)
            target = bytes.count
            let utf8 = Array(string.utf8)
            appendScalar(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .bytes(let data, let alignment):
            pad(toMultipleOf: max(alignment, 4), reserving: 4)
            target = bytes.count
            appendScalar(UInt32(data.count))
            bytes.append(contentsOf: data)
        case .int32Vector(let values):
            target = placeVector(count: values.count, elementSize: 4) { for v in values { $0.appendScalar(v) } }
        case .int64Vector(let values):
            target = placeVector(count: values.count, elementSize: 8) { for v in values { $0.appendScalar(v) } }
        case .float32Vector(let values):
            target = placeVector(count: values.count, elementSize: 4) { for v in values { $0.appendScalar(v.bitPattern) } }
        case .tableVector(let tables):
            target = placeVector(count: tables.count, elementSize: 4) { for _ in tables { $0.appendScalar(UInt32(0)) } }
            for (index, table) in tables.enumerated() { place(table, referencedFrom: target + 4 + 4 * index) }
        }
        patchOffset(at: position, target: target)
    }

    private mutating func placeVector(count: Int, elementSize: Int, _ writeElements: (inout FlatBufferBuilder) -> Void) -> Int {
        pad(toMultipleOf: max(elementSize, 4), reserving: 4)
        let start = bytes.count
        appendScalar(UInt32(count))
        writeElements(&self)
        return start
    }

    /// Writes the vtable, then the table's inline fields (each at a multiple of its size), then the values
    /// the fields refer to; returns the table's position.
    private mutating func placeTable(_ fields: [FlatBufferField?]) -> Int {
        // Inline layout relative to the table start (which is 4-aligned): the soffset, then fields by slot.
        var layout: [Int?] = []
        var inlineSize = 4
        for field in fields {
            guard let field else { layout.append(nil); continue }
            while inlineSize % field.size != 0 { inlineSize += 1 }
            layout.append(inlineSize)
            inlineSize += field.size
        }
        while inlineSize % 4 != 0 { inlineSize += 1 }
        let vtableSize = 4 + 2 * fields.count
        // The vtable ends where the table starts, so place it such that the table lands on a multiple of 4.
        pad(toMultipleOf: 4, reserving: vtableSize)
        let vtable = bytes.count
        appendScalar(UInt16(vtableSize))
        appendScalar(UInt16(inlineSize))
        for offset in layout { appendScalar(UInt16(offset ?? 0)) }
        let table = bytes.count
        precondition(table % 4 == 0, "FlatBufferBuilder: table misaligned at \(table)")
        appendScalar(Int32(table - vtable))
        var references: [(position: Int, value: FlatBufferValue)] = []
        for (field, offset) in zip(fields, layout) {
            guard let field, let offset else { continue }
            while bytes.count < table + offset { bytes.append(0) }
            switch field {
            case .bool(let value): bytes.append(value ? 1 : 0)
            case .int8(let value): bytes.append(UInt8(bitPattern: value))
            case .uint8(let value): bytes.append(value)
            case .int32(let value): appendScalar(value)
            case .uint32(let value): appendScalar(value)
            case .float32(let value): appendScalar(value.bitPattern)
            case .reference(let value):
                references.append((bytes.count, value))
                appendScalar(UInt32(0))
            }
        }
        while bytes.count < table + inlineSize { bytes.append(0) }
        for (position, value) in references { place(value, referencedFrom: position) }
        return table
    }
}
