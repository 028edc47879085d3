/// A safetensors file held as editable JSON fragments, so mutations can break one field at a time
/// while the rest (and the length field) stays consistent and the input reaches deep validation.
struct SafeTensorsHeaderModel {
    struct Tensor {
        /// Raw bytes between the quotes of the name (may be invalid UTF-8 or contain escapes).
        var name: [UInt8]
        /// `"dtype"`, `"shape"`, `"data_offsets"` and any extras, with their values as raw JSON text.
        var fields: [(key: String, value: String)]
        /// Replaces the whole object when set (e.g. a string or an array instead of an object).
        var replacement: String?
    }

    /// `__metadata__` members as (key, raw JSON value); nil omits the member.
    var metadata: [(key: String, value: String)]?
    /// Raw JSON text replacing the metadata object (null, an array, ...).
    var metadataReplacement: String?
    var tensors: [Tensor]
    var buffer: [UInt8]

    /// A valid model: tensors laid out back to back in the given order, buffer filled from `mutator`.
    init(specs: [(name: String, dtype: String, shape: [Int], byteSize: Int)], metadata: [(String, String)]?,
         mutator: inout Mutator) {
        var offset = 0
        tensors = specs.map { spec in
            let size = spec.shape.reduce(1, *) * spec.byteSize
            defer { offset += size }
            return Tensor(
                name: Array(spec.name.utf8),
                fields: [
                    ("dtype", "\"\(spec.dtype)\""),
                    ("shape", "[" + spec.shape.map(String.init).joined(separator: ",") + "]"),
                    ("data_offsets", "[\(offset),\(offset + size)]"),
                ],
                replacement: nil)
        }
        self.metadata = metadata.map { $0.map { (key: $0.0, value: "\"\($0.1)\"") } }
        buffer = (0..<offset).map { _ in UInt8(truncatingIfNeeded: mutator.nextUInt64()) }
    }

    /// Header bytes (optionally with random JSON whitespace and trailing padding) framed by a correct
    /// length field, followed by the buffer.
    func render(using mutator: inout Mutator) -> [UInt8] {
        let spaced = mutator.chance(0.2)
        var header: [UInt8] = []
        func space() {
            if spaced, mutator.chance(0.3) { header.append(mutator.pick([0x20, 0x0A, 0x09, 0x0D])) }
        }
        header.append(UInt8(ascii: "{"))
        var members: [(key: [UInt8], value: [UInt8])] = []
        if let metadataReplacement {
            members.append((Array("__metadata__".utf8), Array(metadataReplacement.utf8)))
        } else if let metadata {
            members.append((Array("__metadata__".utf8), Self.object(metadata)))
        }
        for tensor in tensors {
            members.append((tensor.name, tensor.replacement.map { Array($0.utf8) } ?? Self.object(tensor.fields)))
        }
        for (index, member) in members.enumerated() {
            if index > 0 { header.append(UInt8(ascii: ",")) }
            space()
            header.append(UInt8(ascii: "\""))
            header.append(contentsOf: member.key)
            header.append(UInt8(ascii: "\""))
            space()
            header.append(UInt8(ascii: ":"))
            space()
            header.append(contentsOf: member.value)
            space()
        }
        header.append(UInt8(ascii: "}"))
        let padding = mutator.chance(0.5) ? (8 - header.count % 8) % 8 : mutator.nextInt(below: 3)
        header.append(contentsOf: repeatElement(0x20, count: padding))

        let length = UInt64(header.count)
        var file = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        file.append(contentsOf: header)
        file.append(contentsOf: buffer)
        return file
    }

    private static func object(_ members: [(key: String, value: String)]) -> [UInt8] {
        Array(("{" + members.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}").utf8)
    }
}
