import Foundation
import Testing
@testable import SensorEdge

/// A tiny FlatBuffers reader for the tests: follows offsets and vtables exactly as the format defines them,
/// independent of the builder's code.
struct TestFlatBufferReader {
    let bytes: [UInt8]

    func u8(_ at: Int) -> UInt8 { bytes[at] }
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func i32(_ at: Int) -> Int32 { Int32(bitPattern: UInt32(u32(at))) }
    func i64(_ at: Int) -> Int64 { Int64(u32(at)) | Int64(u32(at + 4)) << 32 }
    func f32(_ at: Int) -> Float { Float(bitPattern: UInt32(u32(at))) }

    var root: Int { u32(0) }
    var identifier: String { String(decoding: bytes[4..<8], as: UTF8.self) }

    /// Absolute position of field `slot` of the table at `table`, nil when absent.
    func field(_ table: Int, _ slot: Int) -> Int? {
        let vtable = table - Int(i32(table))
        let vtableSize = u16(vtable)
        guard 4 + 2 * slot < vtableSize else { return nil }
        let offset = u16(vtable + 4 + 2 * slot)
        return offset == 0 ? nil : table + offset
    }

    /// The position an offset field points at.
    func follow(_ at: Int) -> Int { at + u32(at) }

    func vector(_ table: Int, _ slot: Int) -> (start: Int, count: Int)? {
        guard let at = field(table, slot) else { return nil }
        let vector = follow(at)
        return (vector + 4, u32(vector))
    }

    func tables(_ table: Int, _ slot: Int) -> [Int] {
        guard let (start, count) = vector(table, slot) else { return [] }
        return (0..<count).map { follow(start + 4 * $0) }
    }

    func int32s(_ table: Int, _ slot: Int) -> [Int32] {
        guard let (start, count) = vector(table, slot) else { return [] }
        return (0..<count).map { i32(start + 4 * $0) }
    }

    func string(_ table: Int, _ slot: Int) -> String? {
        guard let (start, count) = vector(table, slot) else { return nil }
        return String(decoding: bytes[start..<start + count], as: UTF8.self)
    }
}

@Suite struct EdgeFlatBufferTests {
    /// A one-field table laid out by hand: root offset, identifier, padding, vtable [6, 8, 4], table
    /// [soffset 6, int32 7].
    @Test func handBuiltBytes() {
        let bytes = FlatBufferBuilder.serialize(root: .table([.int32(7)]), fileIdentifier: "TEST")
        let expected: [UInt8] = [16, 0, 0, 0, 84, 69, 83, 84, 0, 0, 6, 0, 8, 0, 4, 0, 6, 0, 0, 0, 7, 0, 0, 0]
        #expect(bytes == expected)
    }

    @Test func nestedValuesParseBack() {
        let root = FlatBufferValue.table([
            .int8(-3), nil, .reference(.string("hello")), .reference(.int64Vector([-1, 1 << 40])),
            .reference(.tableVector([.table([.float32(2.5)]), .table([])])), .reference(.bytes([1, 2, 3], alignment: 16)),
        ])
        let reader = TestFlatBufferReader(bytes: FlatBufferBuilder.serialize(root: root, fileIdentifier: "TFL3"))
        let table = reader.root
        #expect(reader.identifier == "TFL3")
        #expect(Int8(bitPattern: reader.u8(reader.field(table, 0)!)) == -3)
        #expect(reader.field(table, 1) == nil)
        #expect(reader.string(table, 2) == "hello")
        let (start, count) = reader.vector(table, 3)!
        #expect(count == 2 && start % 8 == 0 && reader.i64(start) == -1 && reader.i64(start + 8) == 1 << 40)
        let children = reader.tables(table, 4)
        #expect(children.count == 2 && reader.f32(reader.field(children[0], 0)!) == 2.5 && reader.field(children[1], 0) == nil)
        let data = reader.vector(table, 5)!
        #expect(data.start % 16 == 0 && data.count == 3 && Array(reader.bytes[data.start..<data.start + 3]) == [1, 2, 3])
    }

    /// The .tflite of the golden student read back through the schema's slots.
    @Test func studentModelParsesBack() {
        let graph = EdgeSelfCheck.quantizedStudent(configuration: EdgeSelfCheck.goldenConfiguration, seed: 11, calibrationCount: 4)
        let reader = TestFlatBufferReader(bytes: TFLiteWriter.serialize(graph))
        let model = reader.root
        #expect(reader.identifier == "TFL3")
        #expect(reader.u32(reader.field(model, 0)!) == 3)
        let buffers = reader.tables(model, 4)
        #expect(reader.vector(buffers[0], 0) == nil)  // buffer 0 is the empty sentinel
        let subgraphs = reader.tables(model, 2)
        #expect(subgraphs.count == 1)
        let tensors = reader.tables(subgraphs[0], 0)
        #expect(tensors.count == graph.tensors.count)
        #expect(reader.int32s(subgraphs[0], 1) == graph.inputs.map { Int32($0) })
        #expect(reader.int32s(subgraphs[0], 2) == graph.outputs.map { Int32($0) })
        for (position, tensor) in zip(tensors, graph.tensors) {
            #expect(reader.string(position, 3) == tensor.name)
            #expect(reader.int32s(position, 0) == tensor.shape.map { Int32($0) })
            #expect(reader.u8(reader.field(position, 1)!) == tensor.elementType.rawValue)
            let buffer = reader.u32(reader.field(position, 2)!)
            if let constant = tensor.constant {
                let (start, count) = reader.vector(buffers[buffer], 0)!
                #expect(start % 16 == 0)
                #expect(Array(reader.bytes[start..<start + count]) == TFLiteWriter.littleEndianBytes(constant))
            } else {
                #expect(buffer == 0)
            }
            if let q = tensor.quantization {
                let parameters = reader.follow(reader.field(position, 4)!)
                let (start, count) = reader.vector(parameters, 2)!
                #expect((0..<count).map { reader.f32(start + 4 * $0) } == q.scales)
                let zeros = reader.vector(parameters, 3)!
                #expect((0..<zeros.count).map { reader.i64(zeros.start + 8 * $0) } == q.zeroPoints)
                #expect(reader.i32(reader.field(parameters, 6)!) == Int32(q.quantizedDimension))
            }
        }
        let codes = reader.tables(model, 1).map { reader.i32(reader.field($0, 3)!) }
        let operators = reader.tables(subgraphs[0], 3)
        #expect(operators.count == graph.operators.count)
        for (position, op) in zip(operators, graph.operators) {
            #expect(codes[reader.u32(reader.field(position, 0)!)] == TFLiteWriter.code(of: op).builtin)
            #expect(reader.int32s(position, 1) == op.inputTensors.map { Int32($0) })
            #expect(reader.u8(reader.field(position, 3)!) == TFLiteWriter.code(of: op).options)
        }
    }
}

@Suite struct EdgeVerificationBundleTests {
    @Test func bundleHoldsModelInputsAndReferenceOutputs() throws {
        let graph = OperatorCoverageGraph.quantizedGraph(seed: 13)
        let inputs = OperatorCoverageGraph.testInputs(for: graph, count: 3, seed: 13)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edge-bundle-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        try EdgeExport.writeVerificationBundle(model: graph, inputs: inputs, to: directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["expected.bin", "inputs.bin", "manifest.json", "model.tflite"])
        let expected = try Data(contentsOf: directory.appendingPathComponent("expected.bin")).map { Int8(bitPattern: $0) }
        let runtime = IntegerRuntime(graph: graph)
        #expect(expected == inputs.flatMap { runtime.run($0).flatMap { $0 } })
        let inputBytes = try Data(contentsOf: directory.appendingPathComponent("inputs.bin"))
        #expect(inputBytes.count == 3 * 2 * 16 * 4)
        let model = try Data(contentsOf: directory.appendingPathComponent("model.tflite"))
        #expect(Array(model) == TFLiteWriter.serialize(graph))
    }
}
