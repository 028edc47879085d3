import Foundation
import SafeTensors

/// Fuzzes `SafeTensorsFile(data:source:)`: structure-aware header mutations (wrong dtypes, hostile
/// numbers, overlaps, missing fields, bad UTF-8, metadata types), byte-level mutations of valid files,
/// length-field corruption and truncation. Accepted files must survive a re-serialise/re-parse round
/// trip; rejected ones must throw `SafeTensorsError` naming the source with a bounded message.
struct SafeTensorsFuzzTarget: FuzzTarget {
    let name = "safetensors"

    /// Valid starting points: (tensor specs, metadata).
    private static let seedSpecs: [([(name: String, dtype: String, shape: [Int], byteSize: Int)], [(String, String)]?)] = [
        ([("encoder.weight", "F32", [3, 4], 4), ("encoder.bias", "F32", [4], 4)], [("format", "pt")]),
        ([("a", "F16", [2, 2], 2), ("b", "BF16", [3], 2), ("c", "I64", [], 8), ("d", "BOOL", [5], 1)], nil),
        ([("empty", "F64", [0, 7], 8), ("x", "U8", [1, 1, 1, 3], 1), ("y", "I8", [2], 1)], [("k", "v"), ("epoch", "3")]),
        ([("ids", "I32", [6], 4), ("mask", "U16", [2, 3], 2), ("big", "U64", [2], 8), ("w", "U32", [1], 4), ("h", "I16", [2], 2)], []),
        ([], [("only", "metadata")]),
    ]

    /// Tokens for byte-level insertion: JSON syntax, format keywords and invalid UTF-8.
    private static let dictionary: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\u0000", "null", "true", "-", "e", ".",
        "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"BOOL\"", "[0,0]",
        "18446744073709551615", "9223372036854775808", "  ",
    ].map { Array($0.utf8) } + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x00]]

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        let (specs, metadata) = mutator.pick(Self.seedSpecs)
        var model = SafeTensorsHeaderModel(specs: specs, metadata: metadata, mutator: &mutator)
        let strategy = mutator.nextInt(below: 100)
        switch strategy {
        case 0..<10:
            varyValidly(&model, using: &mutator)
        case 10..<60:
            for _ in 0..<mutator.nextInt(in: 1...3) { mutateStructure(&model, using: &mutator) }
        default:
            break
        }
        var bytes = model.render(using: &mutator)
        switch strategy {
        case 50..<80:
            mutateHeaderBytes(&bytes, using: &mutator)
        case 80..<90:
            mutateLengthField(&bytes, using: &mutator)
        case 90..<100:
            mutator.truncate(&bytes)
        default:
            break
        }
        return bytes
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(data: Data(input), source: label)
        } catch let error as SafeTensorsError {
            guard error.source == label, error.description.hasPrefix("\(label): "), !error.reason.isEmpty,
                  error.reason.count <= 600
            else { return .failure("malformed error (\(error.reason.count) characters): \(error.description.prefix(300))") }
            return .rejected(category: FuzzDriver.category(of: error.reason))
        } catch {
            return .failure("threw \(type(of: error)) instead of SafeTensorsError: \(error)")
        }
        return checkAccepted(file, input: input, label: label)
    }

    /// Invariants of an accepted file: the buffer is exactly covered, and serialising then reading
    /// again yields the same tensors and metadata; value conversions do not trap.
    private func checkAccepted(_ file: SafeTensorsFile, input: [UInt8], label: String) -> FuzzOutcome {
        let headerLength = input.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let tensorBytes = file.names.reduce(0) { $0 + file[$1]!.bytes.count }
        guard tensorBytes == input.count - 8 - headerLength else {
            return .failure("accepted, but tensors hold \(tensorBytes) bytes of a \(input.count - 8 - headerLength)-byte buffer")
        }
        guard Set(file.names).count == file.names.count else { return .failure("accepted duplicate names \(file.names)") }
        let reread: SafeTensorsFile
        do {
            reread = try SafeTensorsFile(data: file.serialized(), source: label + " (re-serialised)")
        } catch {
            return .failure("accepted, but its re-serialisation is rejected: \(error)")
        }
        guard reread.metadata == file.metadata, Set(reread.names) == Set(file.names),
              file.names.allSatisfy({ reread[$0] == file[$0] })
        else { return .failure("accepted, but the re-serialised file differs") }
        for name in file.names {
            let entry = file[name]!
            if entry.dtype != .BOOL, (try? entry.floats())?.count != entry.elementCount {
                return .failure("floats() of accepted tensor '\(name)' failed")
            }
        }
        return .accepted
    }

    private func mutateStructure(_ model: inout SafeTensorsHeaderModel, using mutator: inout Mutator) {
        if model.tensors.isEmpty || mutator.chance(0.1) {
            return mutateMetadata(&model, using: &mutator)
        }
        let index = mutator.nextInt(below: model.tensors.count)
        switch mutator.nextInt(below: 11) {
        case 0:
            setField("dtype", in: &model.tensors[index], to: mutator.pick([
                "\"f32\"", "\"F8_E4M3\"", "\"\"", "\"F32 \"", "\"I128\"", "\"C64\"", "5", "null", "true", "[\"F32\"]",
                "\"BOOL\"", "\"U8\"", "\"F64\"", "\"BF16\"",
            ]))
        case 1:
            let extents = (0..<mutator.nextInt(in: 0...4)).map { _ in
                mutator.chance(0.5) ? mutator.interestingNumberLiteral() : String(mutator.nextInt(below: 5))
            }
            setField("shape", in: &model.tensors[index], to: "[" + extents.joined(separator: ",") + "]")
        case 2:
            setField("shape", in: &model.tensors[index], to: mutator.pick([
                "\"2\"", "null", "{}", "[[1]]", "[true]", "[1,]", "[" + String(repeating: "1,", count: 40) + "1]",
                String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
            ]))
        case 3:
            let begin = mutator.chance(0.5) ? mutator.interestingNumberLiteral() : String(mutator.nextInt(below: 64))
            let end = mutator.chance(0.5) ? mutator.interestingNumberLiteral() : String(mutator.nextInt(below: 64))
            setField("data_offsets", in: &model.tensors[index], to: "[\(begin),\(end)]")
        case 4:
            setField("data_offsets", in: &model.tensors[index], to: mutator.pick(["[0]", "[0,1,2]", "[]", "\"0,4\"", "null", "[[0],[4]]"]))
        case 5:
            model.tensors.append(model.tensors[index])
        case 6 where !model.tensors[index].fields.isEmpty:
            model.tensors[index].fields.remove(at: mutator.nextInt(below: model.tensors[index].fields.count))
        case 7 where !model.tensors[index].fields.isEmpty:
            let fields = model.tensors[index].fields
            model.tensors[index].fields.append(fields[mutator.nextInt(below: fields.count)])
        case 6, 7:
            model.tensors[index].fields = [("dtype", "\"F32\"")]
        case 8:
            model.tensors[index].replacement = mutator.pick(["\"F32\"", "[]", "null", "1", "{}"])
        case 9:
            model.tensors[index].name = mutator.pick([
                [0xFF], [0xC0, 0x80], Array("\\ud800".utf8), Array("\\u0000".utf8), [], Array("__metadata__".utf8),
                Array("\\\"".utf8), [0xE6, 0x97, 0xA5], Array(repeating: UInt8(ascii: "n"), count: 300),
            ])
        default:
            let delta = mutator.nextInt(in: -9...9)
            if delta < 0 {
                model.buffer.removeLast(min(-delta, model.buffer.count))
            } else {
                model.buffer.append(contentsOf: repeatElement(0xAA, count: delta))
            }
        }
    }

    /// Changes that keep the file valid, so the accept path and its round-trip check get exercised:
    /// tensor order, unknown extra keys, escaped and non-ASCII names, null metadata.
    private func varyValidly(_ model: inout SafeTensorsHeaderModel, using mutator: inout Mutator) {
        model.tensors.shuffle(using: &mutator)
        for index in model.tensors.indices {
            if mutator.chance(0.3) {
                model.tensors[index].fields.append((key: "extra", value: "[1,{\"x\":null},\"s\",-2.5e3]"))
            }
            if mutator.chance(0.3) {
                let suffix = mutator.pick(["\\u00e9", "日本", "a\\\"b", "\\ud83d\\ude00", "\\n", "\\/", " "])
                model.tensors[index].name += Array("\(index)".utf8) + Array(suffix.utf8)
            }
        }
        if mutator.chance(0.2) { model.metadataReplacement = "null" }
    }

    private func mutateMetadata(_ model: inout SafeTensorsHeaderModel, using mutator: inout Mutator) {
        switch mutator.nextInt(below: 4) {
        case 0:
            model.metadataReplacement = mutator.pick(["null", "[]", "\"text\"", "3", "{\"a\":{\"b\":\"c\"}}"])
        case 1:
            var members = model.metadata ?? []
            members.append((key: "bad", value: mutator.pick(["1", "true", "null", "[\"x\"]", "{}", "1.5"])))
            model.metadata = members
        case 2:
            model.metadata = [("dup", "\"1\""), ("dup", "\"2\"")]
        default:
            model.tensors.append(SafeTensorsHeaderModel.Tensor(
                name: Array("__metadata__".utf8), fields: [("k", "\"v\"")], replacement: nil))
        }
    }

    private func setField(_ key: String, in tensor: inout SafeTensorsHeaderModel.Tensor, to value: String) {
        if let position = tensor.fields.firstIndex(where: { $0.key == key }) {
            tensor.fields[position].value = value
        } else {
            tensor.fields.append((key: key, value: value))
        }
    }

    /// Byte-level mutations confined mostly to the header, keeping the length field in step with
    /// insertions and deletions so the mutated JSON still gets parsed.
    private func mutateHeaderBytes(_ bytes: inout [UInt8], using mutator: inout Mutator) {
        guard bytes.count >= 8 else { return }
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let headerEnd = min(bytes.count, 8 + headerLength)
        var header = Array(bytes[8..<headerEnd])
        let rest = Array(bytes[headerEnd...])
        mutator.mutateBytes(&header, rounds: mutator.nextInt(in: 1...4), dictionary: Self.dictionary)
        let length = UInt64(header.count)
        bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + rest
    }

    /// Sets the length field to boundary values: zero, off by one, past the end, above the limit,
    /// and negative numbers read as u64.
    private func mutateLengthField(_ bytes: inout [UInt8], using mutator: inout Mutator) {
        guard bytes.count >= 8 else { return }
        let actual = UInt64(bytes.count - 8)
        let value: UInt64 = mutator.pick([
            0, 1, 7, 8, actual, actual &+ 1, actual &- 1, 100_000_000, 100_000_001, UInt64.max, UInt64(bitPattern: -8),
            1 << 63, 1 << 32, mutator.nextUInt64(),
        ])
        for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }
}
