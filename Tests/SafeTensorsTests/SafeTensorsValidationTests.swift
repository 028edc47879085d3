import Foundation
import Testing

@testable import SafeTensors

/// A hand-made broken file and the exact reason the reader must give.
struct CraftedFile: Sendable, CustomTestStringConvertible {
    let label: String
    let data: Data
    let reason: String
    var testDescription: String { label }

    init(_ label: String, header: String, buffer: [UInt8] = [], reason: String) {
        self.init(label, data: SafeTensorsTestFiles.file(header: header, buffer: buffer), reason: reason)
    }

    init(_ label: String, data: Data, reason: String) {
        self.label = label
        self.data = data
        self.reason = reason
    }
}

/// One valid U8 entry of `count` bytes at `[begin, begin + count]`.
private func u8(_ name: String, _ begin: Int, _ count: Int) -> String {
    #""\#(name)":{"dtype":"U8","shape":[\#(count)],"data_offsets":[\#(begin),\#(begin + count)]}"#
}

@Suite("SafeTensors validation")
struct SafeTensorsValidationTests {
    static let source = "crafted.safetensors"

    static let framingCases: [CraftedFile] = [
        CraftedFile("short file", data: Data([1, 0, 0]), reason: "file is 3 bytes, shorter than the 8-byte header length field"),
        CraftedFile("length past end", data: Data([100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)),
                    reason: "header length 100 runs past the end of the file (2 bytes follow the length field)"),
        CraftedFile("length u64 max", data: Data(Array(repeating: 0xFF, count: 8) + Array("{}".utf8)),
                    reason: "header length 18446744073709551615 exceeds the limit of 100000000 bytes"),
        CraftedFile("length just above limit", data: Data([0x01, 0xE1, 0xF5, 0x05, 0, 0, 0, 0]),
                    reason: "header length 100000001 exceeds the limit of 100000000 bytes"),
        CraftedFile("zero length", data: Data([0, 0, 0, 0, 0, 0, 0, 0]),
                    reason: "header is not valid JSON: unexpected end of input, expected a value at header offset 0"),
        CraftedFile("invalid byte", data: SafeTensorsTestFiles.file(headerBytes: Array(#"{"a"#.utf8) + [0xFF] + Array(#"":1}"#.utf8), buffer: []),
                    reason: "header is not valid UTF-8: bad sequence starting with byte 0xFF at header offset 3"),
        CraftedFile("overlong encoding", data: SafeTensorsTestFiles.file(headerBytes: Array(#"{""#.utf8) + [0xC0, 0x80] + Array(#"":1}"#.utf8), buffer: []),
                    reason: "header is not valid UTF-8: bad sequence starting with byte 0xC0 at header offset 2"),
        CraftedFile("encoded surrogate", data: SafeTensorsTestFiles.file(headerBytes: Array(#"{""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"":1}"#.utf8), buffer: []),
                    reason: "header is not valid UTF-8: bad sequence starting with byte 0xED at header offset 2"),
        CraftedFile("truncated sequence", data: SafeTensorsTestFiles.file(headerBytes: Array("{}".utf8) + [0xE2, 0x82], buffer: []),
                    reason: "header is not valid UTF-8: bad sequence starting with byte 0xE2 at header offset 2"),
        CraftedFile("truncated JSON", header: #"{"a":"#,
                    reason: "header is not valid JSON: unexpected end of input, expected a value at header offset 5"),
        CraftedFile("trailing text", header: "{} x",
                    reason: "header is not valid JSON: unexpected text after the top-level value at header offset 3"),
        CraftedFile("single quotes", header: "{'a':1}",
                    reason: "header is not valid JSON: expected a string key at header offset 1"),
        CraftedFile("leading zero", header: #"{"a":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "header is not valid JSON: expected ',' or ']' in an array at header offset 29"),
        CraftedFile("lone surrogate escape", header: #"{"\udc00":1}"#,
                    reason: #"header is not valid JSON: lone low surrogate in a \u escape at header offset 8"#),
        CraftedFile("deep nesting", header: #"{"a":"# + String(repeating: "[", count: 100),
                    reason: "header is not valid JSON: nesting deeper than 64 levels at header offset 68"),
        CraftedFile("raw control character", header: "{\"a\u{1}\":1}",
                    reason: "header is not valid JSON: unescaped control character 0x1 in a string at header offset 3"),
        CraftedFile("array header", header: "[1]", reason: "header must be a JSON object, found an array"),
        CraftedFile("string header", header: #""x""#, reason: "header must be a JSON object, found a string"),
    ]

    static let entryCases: [CraftedFile] = [
        CraftedFile("entry not object", header: #"{"w":"F32"}"#, reason: "tensor 'w' is a string, expected an object"),
        CraftedFile("missing dtype", header: #"{"w":{"shape":[1],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w' is missing 'dtype'"),
        CraftedFile("missing shape", header: #"{"w":{"dtype":"U8","data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w' is missing 'shape'"),
        CraftedFile("missing offsets", header: #"{"w":{"dtype":"U8","shape":[1]}}"#, buffer: [0],
                    reason: "tensor 'w' is missing 'data_offsets'"),
        CraftedFile("dtype number", header: #"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w': 'dtype' is a number, expected a string"),
        CraftedFile("unknown dtype", header: #"{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w' has unknown dtype 'F8_E4M3'"),
        CraftedFile("lowercase dtype", header: #"{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#, buffer: [0, 0, 0, 0],
                    reason: "tensor 'w' has unknown dtype 'f32'"),
        CraftedFile("shape string", header: #"{"w":{"dtype":"U8","shape":"1","data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w': 'shape' is a string, expected an array of integers"),
        CraftedFile("shape boolean", header: #"{"w":{"dtype":"U8","shape":[true],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w': shape[0] is a boolean, expected a non-negative integer"),
        CraftedFile("shape null", header: #"{"w":{"dtype":"U8","shape":[1,null],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w': shape[1] is null, expected a non-negative integer"),
        CraftedFile("shape fraction", header: #"{"w":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w': shape[0] is 1.0, expected a non-negative integer"),
        CraftedFile("shape exponent", header: #"{"w":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w': shape[0] is 1e0, expected a non-negative integer"),
        CraftedFile("negative shape", header: #"{"w":{"dtype":"U8","shape":[2,-1],"data_offsets":[0,0]}}"#,
                    reason: "tensor 'w': shape[1] is -1, expected a non-negative integer"),
        CraftedFile("overflowing shape", header: #"{"w":{"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,0]}}"#,
                    reason: "tensor 'w': shape[0] is 9223372036854775808, which overflows a 64-bit integer"),
        CraftedFile("element count overflow", header: #"{"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
                    reason: "tensor 'w': shape [4294967296, 4294967296] has more elements than a 64-bit integer holds"),
        CraftedFile("byte count overflow", header: #"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#,
                    reason: "tensor 'w': shape [2305843009213693952] of F64 needs more bytes than a 64-bit integer holds"),
        CraftedFile("offsets object", header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":{"0":0}}}"#, buffer: [0],
                    reason: "tensor 'w': 'data_offsets' is an object, expected an array of integers"),
        CraftedFile("three offsets", header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}"#, buffer: [0],
                    reason: "tensor 'w': 'data_offsets' has 3 elements, expected 2"),
        CraftedFile("negative offset", header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}"#, buffer: [0],
                    reason: "tensor 'w': data_offsets[0] is -1, expected a non-negative integer"),
        CraftedFile("overflowing offset", header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551617]}}"#, buffer: [0],
                    reason: "tensor 'w': data_offsets[1] is 18446744073709551617, which overflows a 64-bit integer"),
        CraftedFile("begin after end", header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[8,4]}}"#, buffer: [0],
                    reason: "tensor 'w' has data_offsets [8, 4] with begin > end"),
        CraftedFile("past buffer end", header: #"{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, buffer: [0, 0, 0],
                    reason: "tensor 'w' has data_offsets [0, 4] past the end of the 3-byte data buffer"),
        CraftedFile("huge end offset", header: #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775806,9223372036854775807]}}"#, buffer: [0],
                    reason: "tensor 'w' has data_offsets [9223372036854775806, 9223372036854775807] past the end of the 1-byte data buffer"),
        CraftedFile("size mismatch", header: #"{"encoder.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,40]}}"#,
                    buffer: Array(repeating: 0, count: 40),
                    reason: "tensor 'encoder.weight' has data_offsets [0, 40] but shape [3, 4] of F32 needs 48 bytes"),
        CraftedFile("duplicate key in entry", header: #"{"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, buffer: [0],
                    reason: "tensor 'w' has duplicate key 'dtype'"),
        CraftedFile("control character in name", header: #"{"a\nb":{"dtype":"U8","shape":[1]}}"#, buffer: [0],
                    reason: #"tensor 'a\u{a}b' is missing 'data_offsets'"#),
    ]

    static let fileCases: [CraftedFile] = [
        CraftedFile("overlap", header: "{\(u8("a", 0, 8)),\(u8("b", 4, 8))}", buffer: Array(repeating: 0, count: 12),
                    reason: "tensors 'a' [0, 8] and 'b' [4, 12] overlap"),
        CraftedFile("same range twice", header: "{\(u8("a", 0, 4)),\(u8("b", 0, 4))}", buffer: Array(repeating: 0, count: 4),
                    reason: "tensors 'a' [0, 4] and 'b' [0, 4] overlap"),
        CraftedFile("hole", header: "{\(u8("a", 0, 4)),\(u8("b", 8, 4))}", buffer: Array(repeating: 0, count: 12),
                    reason: "data buffer bytes [4, 8) are not covered by any tensor"),
        CraftedFile("hole at start", header: "{\(u8("a", 2, 2))}", buffer: Array(repeating: 0, count: 4),
                    reason: "data buffer bytes [0, 2) are not covered by any tensor"),
        CraftedFile("trailing bytes", header: "{\(u8("a", 0, 4))}", buffer: Array(repeating: 0, count: 6),
                    reason: "data buffer bytes [4, 6) are not covered by any tensor"),
        CraftedFile("buffer without tensors", header: "{}", buffer: [1],
                    reason: "data buffer bytes [0, 1) are not covered by any tensor"),
        CraftedFile("duplicate name", header: "{\(u8("a", 0, 1)),\(u8("a", 1, 1))}", buffer: [0, 0],
                    reason: "duplicate tensor name 'a'"),
        // Known limit (documented on SafeTensorsFile): canonically equivalent names collide in Swift.
        CraftedFile("canonically equivalent names", header: "{\(u8("\\u00e9", 0, 1)),\(u8("e\\u0301", 1, 1))}", buffer: [0, 0],
                    reason: "duplicate tensor name 'e\u{301}'"),
        CraftedFile("duplicate metadata", header: #"{"__metadata__":{},"__metadata__":{}}"#,
                    reason: "duplicate key '__metadata__'"),
        CraftedFile("metadata number value", header: #"{"__metadata__":{"epoch":3}}"#,
                    reason: "'__metadata__' value for key 'epoch' is a number, expected a string"),
        CraftedFile("metadata nested object", header: #"{"__metadata__":{"a":{"b":"c"}}}"#,
                    reason: "'__metadata__' value for key 'a' is an object, expected a string"),
        CraftedFile("metadata array", header: #"{"__metadata__":["a"]}"#,
                    reason: "'__metadata__' is an array, expected an object of strings"),
        CraftedFile("metadata duplicate key", header: #"{"__metadata__":{"a":"1","a":"2"}}"#,
                    reason: "'__metadata__' has duplicate key 'a'"),
    ]

    @Test(arguments: framingCases)
    func framingErrors(crafted: CraftedFile) {
        expectError(crafted)
    }

    @Test(arguments: entryCases)
    func entryErrors(crafted: CraftedFile) {
        expectError(crafted)
    }

    @Test(arguments: fileCases)
    func coveringNameAndMetadataErrors(crafted: CraftedFile) {
        expectError(crafted)
    }

    @Test func descriptionNamesTheSource() {
        let error = SafeTensorsError(source: "checkpoint.safetensors", reason: "file is 0 bytes, shorter than the 8-byte header length field")
        #expect(throws: error) { try SafeTensorsFile(data: Data(), source: "checkpoint.safetensors") }
        #expect(error.description == "checkpoint.safetensors: file is 0 bytes, shorter than the 8-byte header length field")
    }

    @Test func acceptsWhatTheReferenceReaderAccepts() throws {
        // null metadata, unknown entry keys, whitespace, \u escapes, empty tensors anywhere in the covering.
        let header = """
            {\n "__metadata__": null,
             "\\u00e9": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2], "extra": [1, {"x": true}]},
             "empty": {"dtype": "F32", "shape": [0, 5], "data_offsets": [2, 2]},
             "scalar": {"dtype": "I16", "shape": [], "data_offsets": [2, 4]}}\u{20}\u{20}
            """
        let file = try SafeTensorsFile(data: SafeTensorsTestFiles.file(header: header, buffer: [1, 2, 0xFE, 0xFF]), source: "ok")
        #expect(file.metadata.isEmpty)
        #expect(file.names == ["é", "empty", "scalar"])
        #expect(file["é"] == SafeTensorsEntry(uint8s: [1, 2], shape: [2]))
        #expect(file["empty"] == SafeTensorsEntry(floats: [], shape: [0, 5]))
        #expect(try file["scalar"]?.int64s() == [-2])
    }

    @Test func readsFromADataSliceWithNonzeroStart() throws {
        var file = SafeTensorsFile(metadata: ["k": "v"])
        file["x"] = SafeTensorsEntry(floats: [1, 2, 3], shape: [3])
        let padded = Data([9, 9, 9]) + file.serialized() + Data([7])
        let slice = padded[3..<(padded.count - 1)]
        #expect(try SafeTensorsFile(data: slice, source: "slice") == file)
    }

    private func expectError(_ crafted: CraftedFile, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = SafeTensorsError(source: Self.source, reason: crafted.reason)
        do {
            _ = try SafeTensorsFile(data: crafted.data, source: Self.source)
            Issue.record("\(crafted.label): parsed, expected \(expected)", sourceLocation: sourceLocation)
        } catch let error as SafeTensorsError {
            #expect(error == expected, "\(crafted.label)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(crafted.label): unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }
}
