import Foundation

/// An in-memory safetensors file: named tensors plus string metadata.
///
/// Layout on disk: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
/// `{"__metadata__": {..}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..}`
/// padded with spaces to a multiple of 8, then the byte buffer; offsets are relative to the buffer start.
///
/// Names are Swift `String`s, which compare by Unicode canonical equivalence: two names that differ only
/// in normalisation (precomposed "é" and "e" + combining accent) count as one name here, so a file
/// holding both is rejected as having a duplicate name although Python would accept it.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The key reserved for metadata in the header; it cannot name a tensor.
    public static let metadataKey = "__metadata__"

    public var metadata: [String: String]
    /// Tensor names in insertion order (header order for a file that was read).
    public private(set) var names: [String]
    private var entries: [String: SafeTensorsEntry]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
        self.names = []
        self.entries = [:]
    }

    /// The tensor called `name`. Setting a new name appends it to `names`; setting nil removes it.
    public subscript(name: String) -> SafeTensorsEntry? {
        get { entries[name] }
        set {
            precondition(name != SafeTensorsFile.metadataKey, "SafeTensorsFile: '\(name)' is reserved for metadata")
            if let newValue {
                newValue.checkConsistency(name: name)
                if entries.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if entries.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    /// Reads and validates the file at `url`; errors name its path.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError(source: url.path, reason: "cannot read file: \(error.localizedDescription)")
        }
        try self.init(data: data, source: url.path)
    }

    /// The file's bytes. Deterministic: `__metadata__` first (omitted when empty), then tensors in
    /// ascending UTF-8 byte order of their names, with metadata keys sorted the same way; the buffer
    /// holds the tensors in that same order, back to back.
    public func serialized() -> Data {
        let sortedNames = names.sorted(by: SafeTensorsFile.utf8Precedes)
        var header = HeaderWriter()
        header.openObject()
        if !metadata.isEmpty {
            header.key(SafeTensorsFile.metadataKey)
            header.openObject()
            for key in metadata.keys.sorted(by: SafeTensorsFile.utf8Precedes) {
                header.key(key)
                header.string(metadata[key]!)
            }
            header.closeObject()
        }
        var offset = 0
        for name in sortedNames {
            let entry = entries[name]!
            entry.checkConsistency(name: name)
            header.key(name)
            header.openObject()
            header.key("dtype")
            header.string(entry.dtype.rawValue)
            header.key("shape")
            header.integers(entry.shape)
            header.key("data_offsets")
            header.integers([offset, offset + entry.bytes.count])
            header.closeObject()
            offset += entry.bytes.count
        }
        header.closeObject()
        header.padToMultiple(of: 8)

        var data = Data(capacity: 8 + header.bytes.count + offset)
        withUnsafeBytes(of: UInt64(header.bytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header.bytes)
        for name in sortedNames { data.append(contentsOf: entries[name]!.bytes) }
        return data
    }

    /// Writes `serialized()` atomically: a temporary file in the same folder, fsync, then rename over
    /// `url`. On any failure the temporary file is removed and an existing file at `url` is untouched.
    public func write(to url: URL) throws {
        try AtomicFileWriter.write(serialized(), to: url)
    }

    /// Byte-wise order, independent of Unicode normalisation and locale (what Python's sorted() does
    /// for ASCII names).
    static func utf8Precedes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    /// Builds a file from already validated parts (used by the reader).
    init(metadata: [String: String], names: [String], entries: [String: SafeTensorsEntry]) {
        self.metadata = metadata
        self.names = names
        self.entries = entries
    }
}

/// Emits compact JSON (no spaces, like the Rust reference writer) into a byte array.
struct HeaderWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    mutating func openObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func closeObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func integers(_ values: [Int]) {
        separate()
        bytes.append(UInt8(ascii: "["))
        bytes.append(contentsOf: values.map(String.init).joined(separator: ",").utf8)
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func padToMultiple(of alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(UInt8(ascii: " ")) }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }
}
