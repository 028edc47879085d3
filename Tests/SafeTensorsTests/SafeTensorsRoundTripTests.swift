import Foundation
import Testing

@testable import SafeTensors

@Suite("SafeTensors round trip and layout")
struct SafeTensorsRoundTripTests {
    /// Two elements of every dtype, with hand-chosen little-endian bytes.
    static let bytesPerDType: [SafeTensorsDType: [UInt8]] = [
        .F64: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0],  // 1.0, -2.0
        .F32: [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0],  // 1.0, -2.0
        .F16: [0x00, 0x3C, 0x00, 0xC0],  // 1.0, -2.0
        .BF16: [0x80, 0x3F, 0x00, 0xC0],  // 1.0, -2.0
        .I64: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0, 0, 0, 0, 0],  // -1, 2
        .I32: [0xFF, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0],  // -1, 2
        .I16: [0xFF, 0xFF, 2, 0],  // -1, 2
        .I8: [0xFF, 2],  // -1, 2
        .U64: [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0],  // 1, 2
        .U32: [1, 0, 0, 0, 2, 0, 0, 0],  // 1, 2
        .U16: [1, 0, 2, 0],  // 1, 2
        .U8: [1, 2],  // 1, 2
        .BOOL: [1, 0],  // true, false
    ]

    @Test(arguments: SafeTensorsDType.allCases)
    func roundTripOfEveryDType(dtype: SafeTensorsDType) throws {
        let bytes = try #require(Self.bytesPerDType[dtype])
        var file = SafeTensorsFile(metadata: ["dtype": dtype.rawValue])
        file["pair"] = SafeTensorsEntry(dtype: dtype, shape: [2, 1], bytes: bytes)
        file["empty"] = SafeTensorsEntry(dtype: dtype, shape: [0, 3], bytes: [])
        let reread = try SafeTensorsFile(data: file.serialized(), source: "memory")
        #expect(reread.metadata == ["dtype": dtype.rawValue])
        #expect(reread["pair"] == SafeTensorsEntry(dtype: dtype, shape: [2, 1], bytes: bytes))
        #expect(reread["empty"] == SafeTensorsEntry(dtype: dtype, shape: [0, 3], bytes: []))
        if dtype == .BOOL {
            #expect(try reread["pair"]!.bools() == [true, false])
            #expect(throws: SafeTensorsError.self) { try reread["pair"]!.floats() }
        } else if dtype.isInteger {
            let expected: [Int64] = dtype.rawValue.hasPrefix("U") ? [1, 2] : [-1, 2]
            #expect(try reread["pair"]!.int64s() == expected)
            #expect(try reread["pair"]!.floats() == expected.map(Float.init))
        } else {
            #expect(try reread["pair"]!.floats() == [1, -2])
            #expect(throws: SafeTensorsError.self) { try reread["pair"]!.int64s() }
        }
    }

    @Test func byteExactLayoutOfASmallFile() {
        var file = SafeTensorsFile(metadata: ["format": "pt2"])
        file["b"] = SafeTensorsEntry(floats: [1, -2], shape: [2])
        file["a"] = SafeTensorsEntry(dtype: .I8, shape: [], bytes: [0xFF])
        let header = #"{"__metadata__":{"format":"pt2"},"a":{"dtype":"I8","shape":[],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}"#
        // 137 header bytes padded with 7 spaces to 144 = 0x90.
        let expected: [UInt8] = [0x90, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + Array(repeating: 0x20, count: 7)
            + [0xFF] + [0, 0, 0x80, 0x3F] + [0, 0, 0, 0xC0]
        #expect([UInt8](file.serialized()) == expected)
        #expect(file.names == ["b", "a"])
    }

    /// Bytes produced by Python's `safetensors.numpy.save` 0.8.0 for {"w": float32 [[1, 2], [3, 4]],
    /// "b": int8 [-1, 0, 1], "m": bool [True, False]} with metadata {"format": "np"} (committed literal).
    @Test func readsBytesWrittenByPythonSafetensors() throws {
        let header = #"{"__metadata__":{"format":"np"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[3],"data_offsets":[16,19]},"m":{"dtype":"BOOL","shape":[2],"data_offsets":[19,21]}}  "#
        let bytes: [UInt8] = [200, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8)
            + [0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 255, 0, 1, 1, 0]
        let file = try SafeTensorsFile(data: Data(bytes), source: "python")
        #expect(file.metadata == ["format": "np"])
        #expect(file.names == ["w", "b", "m"])
        #expect(try file["w"]?.floats() == [1, 2, 3, 4])
        #expect(file["w"]?.shape == [2, 2])
        #expect(try file["b"]?.int64s() == [-1, 0, 1])
        #expect(try file["m"]?.bools() == [true, false])
    }

    @Test func emptyFileIsBracesPaddedToEightBytes() {
        #expect([UInt8](SafeTensorsFile().serialized()) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    }

    @Test func namesAndMetadataNeedingEscapesRoundTrip() throws {
        var file = SafeTensorsFile(metadata: ["quote\"back\\slash": "line\nbreak\ttab\u{01}", "ünïcode": "日本"])
        file["weird \"name\"\n"] = SafeTensorsEntry(uint8s: [7], shape: [1])
        let reread = try SafeTensorsFile(data: file.serialized(), source: "memory")
        #expect(reread == file)
    }

    @Test func readingKeepsHeaderOrderInNames() throws {
        let header = #"{"z":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        let file = try SafeTensorsFile(data: SafeTensorsTestFiles.file(header: header, buffer: [10, 20]), source: "order")
        #expect(file.names == ["z", "a"])
        #expect(file["a"]?.bytes == [10])
        #expect(file["z"]?.bytes == [20])
    }

    @Test func typedInitialisersEncodeLittleEndian() throws {
        #expect(SafeTensorsEntry(doubles: [1], shape: [1]).bytes == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(SafeTensorsEntry(int64s: [-2], shape: []).bytes == [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(SafeTensorsEntry(floats: [0.5], shape: [1, 1]).bytes == [0, 0, 0, 0x3F])
        #expect(SafeTensorsEntry(bools: [true, false], shape: [2]).bytes == [1, 0])
    }

    @Test func halfPrecisionSpecialValuesConvertExactly() throws {
        // 0x7BFF = 65504 (largest half), 0x0001 = 2^-24 (smallest subnormal), 0x8000 = -0, 0xFC00 = -inf.
        let half = SafeTensorsEntry(dtype: .F16, shape: [5], bytes: [0xFF, 0x7B, 0x01, 0x00, 0x00, 0x80, 0x00, 0xFC, 0x00, 0x7E])
        let values = try half.floats()
        #expect(values[0] == 65504)
        #expect(values[1] == 0x1p-24)
        #expect(values[2] == 0 && values[2].sign == .minus)
        #expect(values[3] == -.infinity)
        #expect(values[4].isNaN)
        // BF16 0x7F7F is the largest finite bfloat16, 3.3895314e38 = 0x7F7F0000 as Float.
        let brain = SafeTensorsEntry(dtype: .BF16, shape: [1], bytes: [0x7F, 0x7F])
        #expect(try brain.floats() == [Float(bitPattern: 0x7F7F_0000)])
    }

    @Test func int64sRejectsUnsignedValuesAboveInt64Max() {
        let entry = SafeTensorsEntry(dtype: .U64, shape: [2], bytes: [1, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0xFF, count: 8))
        #expect(throws: SafeTensorsError(
            source: "SafeTensorsEntry(U64, shape [2])",
            reason: "U64 value 18446744073709551615 at element 1 does not fit in Int64")) { try entry.int64s() }
    }

    @Test func removingATensorUpdatesNames() {
        var file = SafeTensorsFile()
        file["a"] = SafeTensorsEntry(uint8s: [1], shape: [1])
        file["b"] = SafeTensorsEntry(uint8s: [2], shape: [1])
        file["a"] = SafeTensorsEntry(uint8s: [3], shape: [1])
        #expect(file.names == ["a", "b"])
        file["a"] = nil
        #expect(file.names == ["b"])
        #expect(file["a"] == nil)
    }
}
