import Foundation

extension SafeTensorsFile {
    /// Largest header accepted (the Rust reference reader's limit); anything larger is treated as a
    /// corrupt length field rather than allocated.
    public static let maximumHeaderLength = 100_000_000

    /// Parses and validates a whole safetensors file held in memory. Every error names `source`.
    public init(data: Data, source: String) throws {
        self = try data.withUnsafeBytes { (file: UnsafeRawBufferPointer) throws(SafeTensorsError) in
            try SafeTensorsReader(source: source, file: file).read()
        }
    }
}

/// A header entry after validation; `begin..<end` is relative to the data buffer.
private struct TensorSpan {
    let name: String
    let dtype: SafeTensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int
}

/// Validates a file in the order its parts appear: length field, header text, header JSON, each entry,
/// then the covering of the data buffer. All reads are bounds-checked and all arithmetic on untrusted
/// numbers reports overflow instead of trapping.
struct SafeTensorsReader {
    let source: String
    let file: UnsafeRawBufferPointer

    func read() throws(SafeTensorsError) -> SafeTensorsFile {
        guard file.count >= 8 else {
            throw fail("file is \(file.count) bytes, shorter than the 8-byte header length field")
        }
        let declaredLength = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard declaredLength <= UInt64(SafeTensorsFile.maximumHeaderLength) else {
            throw fail("header length \(declaredLength) exceeds the limit of \(SafeTensorsFile.maximumHeaderLength) bytes")
        }
        let headerLength = Int(declaredLength)
        guard headerLength <= file.count - 8 else {
            throw fail("header length \(headerLength) runs past the end of the file (\(file.count - 8) bytes follow the length field)")
        }
        let header = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        if let offset = UTF8Validation.firstInvalidOffset(in: header) {
            let byte = String(header[offset], radix: 16, uppercase: true)
            throw fail("header is not valid UTF-8: bad sequence starting with byte 0x\(byte) at header offset \(offset)")
        }
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(header)
        } catch {
            throw fail("header is not valid JSON: \(error.reason) at header offset \(error.offset)")
        }
        guard case .object(let members) = root else {
            throw fail("header must be a JSON object, found \(root.typeName)")
        }

        let bufferStart = 8 + headerLength
        let bufferSize = file.count - bufferStart
        var metadata: [String: String] = [:]
        var sawMetadata = false
        var spans: [TensorSpan] = []
        var seenNames = Set<String>()
        for member in members {
            if member.key == SafeTensorsFile.metadataKey {
                guard !sawMetadata else { throw fail("duplicate key '\(SafeTensorsFile.metadataKey)'") }
                sawMetadata = true
                metadata = try readMetadata(member.value)
            } else {
                guard seenNames.insert(member.key).inserted else {
                    throw fail("duplicate tensor name \(quoted(member.key))")
                }
                spans.append(try readSpan(name: member.key, member.value, bufferSize: bufferSize))
            }
        }
        try checkCovering(spans, bufferSize: bufferSize)

        var entries: [String: SafeTensorsEntry] = [:]
        entries.reserveCapacity(spans.count)
        for span in spans {
            let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: file[(bufferStart + span.begin)..<(bufferStart + span.end)]))
            entries[span.name] = SafeTensorsEntry(dtype: span.dtype, shape: span.shape, bytes: bytes)
        }
        return SafeTensorsFile(metadata: metadata, names: spans.map(\.name), entries: entries)
    }

    /// `__metadata__` must map strings to strings; null is accepted as "no metadata" like the reference
    /// reader (which declares it optional).
    private func readMetadata(_ value: JSONValue) throws(SafeTensorsError) -> [String: String] {
        let key = SafeTensorsFile.metadataKey
        switch value {
        case .null:
            return [:]
        case .object(let members):
            var metadata: [String: String] = [:]
            for member in members {
                guard case .string(let text) = member.value else {
                    throw fail("'\(key)' value for key \(quoted(member.key)) is \(member.value.typeName), expected a string")
                }
                guard metadata.updateValue(text, forKey: member.key) == nil else {
                    throw fail("'\(key)' has duplicate key \(quoted(member.key))")
                }
            }
            return metadata
        default:
            throw fail("'\(key)' is \(value.typeName), expected an object of strings")
        }
    }

    private func readSpan(name: String, _ value: JSONValue, bufferSize: Int) throws(SafeTensorsError) -> TensorSpan {
        let label = "tensor \(quoted(name))"
        guard case .object(let fields) = value else {
            throw fail("\(label) is \(value.typeName), expected an object")
        }
        var dtypeValue: JSONValue?
        var shapeValue: JSONValue?
        var offsetsValue: JSONValue?
        for field in fields {
            // Unknown keys are ignored, as the reference reader does; known ones may appear once.
            switch field.key {
            case "dtype":
                guard dtypeValue == nil else { throw fail("\(label) has duplicate key 'dtype'") }
                dtypeValue = field.value
            case "shape":
                guard shapeValue == nil else { throw fail("\(label) has duplicate key 'shape'") }
                shapeValue = field.value
            case "data_offsets":
                guard offsetsValue == nil else { throw fail("\(label) has duplicate key 'data_offsets'") }
                offsetsValue = field.value
            default:
                continue
            }
        }
        guard let dtypeValue else { throw fail("\(label) is missing 'dtype'") }
        guard let shapeValue else { throw fail("\(label) is missing 'shape'") }
        guard let offsetsValue else { throw fail("\(label) is missing 'data_offsets'") }

        guard case .string(let dtypeName) = dtypeValue else {
            throw fail("\(label): 'dtype' is \(dtypeValue.typeName), expected a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw fail("\(label) has unknown dtype \(quoted(dtypeName))")
        }
        let shape = try integerArray(shapeValue, key: "shape", label: label)
        let offsets = try integerArray(offsetsValue, key: "data_offsets", label: label)
        guard offsets.count == 2 else {
            throw fail("\(label): 'data_offsets' has \(offsets.count) elements, expected 2")
        }
        let (begin, end) = (offsets[0], offsets[1])
        let offsetsText = "data_offsets [\(begin), \(end)]"
        let shapeText = "shape \(describe(shape))"

        var elementCount = 1
        for extent in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw fail("\(label): \(shapeText) has more elements than a 64-bit integer holds") }
            elementCount = product
        }
        let (needed, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw fail("\(label): \(shapeText) of \(dtype) needs more bytes than a 64-bit integer holds") }
        guard begin <= end else { throw fail("\(label) has \(offsetsText) with begin > end") }
        guard end <= bufferSize else {
            throw fail("\(label) has \(offsetsText) past the end of the \(bufferSize)-byte data buffer")
        }
        guard end - begin == needed else {
            throw fail("\(label) has \(offsetsText) but \(shapeText) of \(dtype) needs \(needed) bytes")
        }
        return TensorSpan(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// A JSON array of non-negative integers that fit in Int; booleans, fractions, exponents and
    /// negative numbers are rejected with the element's index.
    private func integerArray(_ value: JSONValue, key: String, label: String) throws(SafeTensorsError) -> [Int] {
        guard case .array(let elements) = value else {
            throw fail("\(label): '\(key)' is \(value.typeName), expected an array of integers")
        }
        var integers: [Int] = []
        integers.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let what = "\(label): \(key)[\(index)]"
            guard case .number(let literal) = element else {
                throw fail("\(what) is \(element.typeName), expected a non-negative integer")
            }
            var result = 0
            for digit in literal.utf8 {
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else {
                    throw fail("\(what) is \(abbreviated(literal)), expected a non-negative integer")
                }
                let (times10, overflowMultiply) = result.multipliedReportingOverflow(by: 10)
                let (sum, overflowAdd) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
                guard !overflowMultiply, !overflowAdd else {
                    throw fail("\(what) is \(abbreviated(literal)), which overflows a 64-bit integer")
                }
                result = sum
            }
            integers.append(result)
        }
        return integers
    }

    /// Checks that the spans tile the buffer exactly: sorted by offset, each begins where the previous
    /// ended, and the last ends at the buffer's end (the format forbids holes and overlaps).
    private func checkCovering(_ spans: [TensorSpan], bufferSize: Int) throws(SafeTensorsError) {
        let ordered = spans.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        var previous: TensorSpan?
        for span in ordered {
            if span.begin < covered, let previous {
                throw fail("tensors \(quoted(previous.name)) [\(previous.begin), \(previous.end)] and \(quoted(span.name)) [\(span.begin), \(span.end)] overlap")
            }
            if span.begin > covered {
                throw fail("data buffer bytes [\(covered), \(span.begin)) are not covered by any tensor")
            }
            covered = span.end
            previous = span
        }
        guard covered == bufferSize else {
            throw fail("data buffer bytes [\(covered), \(bufferSize)) are not covered by any tensor")
        }
    }

    private func fail(_ reason: String) -> SafeTensorsError {
        SafeTensorsError(source: source, reason: reason)
    }

    /// A name in single quotes, control characters escaped and long names shortened, so hostile
    /// headers cannot produce unreadable or enormous messages.
    private func quoted(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return "'\(abbreviated(escaped))'"
    }

    /// A shape as "[3, 4]", shortened past 16 extents so hostile headers keep messages small.
    private func describe(_ shape: [Int]) -> String {
        guard shape.count > 16 else { return "\(shape)" }
        let head = shape.prefix(8).map(String.init).joined(separator: ", ")
        return "[\(head), … (\(shape.count) extents)]"
    }

    private func abbreviated(_ text: String) -> String {
        text.count <= 120 ? text : String(text.prefix(120)) + "…"
    }
}
