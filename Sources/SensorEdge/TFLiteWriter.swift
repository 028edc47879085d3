/// Serialises a quantized `EdgeGraph` as a TFLite flatbuffer (schema version 3, identifier "TFL3") with our
/// own `FlatBufferBuilder`. Slots and enum values are those of the public TFLite schema (`schema.fbs`).
///
/// Buffer 0 is the empty sentinel every activation tensor points at; each constant gets its own 16-byte
/// aligned buffer. Weights carry per-channel scales with zero points 0 and their quantized dimension.
public enum TFLiteWriter {
    public static let fileIdentifier = "TFL3"

    /// `BuiltinOperator` code, `BuiltinOptions` union type and operator version (the versions the TFLite
    /// converter assigns to int8, or to 16x8 when `sixteenBit`; TFLite Micro resolves operators by code only).
    static func code(of op: EdgeOperator, sixteenBit: Bool = false) -> (builtin: Int32, options: UInt8, version: Int32) {
        switch op {
        case .add: (0, 11, sixteenBit ? 3 : 2)
        case .concatenation: (2, 10, sixteenBit ? 3 : 2)
        case .convolution: (3, 1, sixteenBit ? 4 : 3)
        case .depthwiseConvolution: (4, 2, sixteenBit ? 5 : 3)
        case .fullyConnected: (9, 8, sixteenBit ? 7 : 4)
        case .reshape: (22, 17, 1)
        case .softmax: (25, 9, sixteenBit ? 3 : 2)
        case .mean: (40, 27, sixteenBit ? 3 : 2)
        }
    }

    /// The model bytes. The graph must be quantized: int8 activations with int32 biases, or int16 activations
    /// (zero point 0) with int64 biases; weights int8 either way.
    public static func serialize(_ graph: EdgeGraph, description: String = "SensorFM student") -> [UInt8] {
        precondition(graph.isQuantized, "TFLiteWriter: the graph still has float tensors; quantize it first")
        var buffers: [FlatBufferValue] = [.table([])]
        var tensors: [FlatBufferValue] = []
        for tensor in graph.tensors {
            var bufferIndex: UInt32 = 0
            if let constant = tensor.constant {
                buffers.append(.table([.reference(.bytes(littleEndianBytes(constant), alignment: 16))]))
                bufferIndex = UInt32(buffers.count - 1)
            }
            var quantization: FlatBufferField? = nil
            if let q = tensor.quantization {
                quantization = .reference(.table([nil, nil, .reference(.float32Vector(q.scales)), .reference(.int64Vector(q.zeroPoints)),
                                                  nil, nil, .int32(Int32(q.quantizedDimension))]))
            }
            tensors.append(.table([.reference(.int32Vector(tensor.shape.map { Int32($0) })), .int8(Int8(tensor.elementType.rawValue)),
                                   .uint32(bufferIndex), .reference(.string(tensor.name)), quantization]))
        }
        var codes: [Int32] = []
        var operatorCodes: [FlatBufferValue] = []
        var operators: [FlatBufferValue] = []
        for op in graph.operators {
            let (builtin, optionsType, version) = code(of: op, sixteenBit: graph.hasInt16Activations)
            let opcodeIndex: Int
            if let existing = codes.firstIndex(of: builtin) {
                opcodeIndex = existing
            } else {
                codes.append(builtin)
                operatorCodes.append(.table([.int8(Int8(min(builtin, 127))), nil, .int32(version), .int32(builtin)]))
                opcodeIndex = codes.count - 1
            }
            operators.append(.table([.uint32(UInt32(opcodeIndex)), .reference(.int32Vector(op.inputTensors.map { Int32($0) })),
                                     .reference(.int32Vector([Int32(op.outputTensor)])), .uint8(optionsType),
                                     .reference(options(of: op, graph: graph))]))
        }
        let subgraph = FlatBufferValue.table([
            .reference(.tableVector(tensors)), .reference(.int32Vector(graph.inputs.map { Int32($0) })),
            .reference(.int32Vector(graph.outputs.map { Int32($0) })), .reference(.tableVector(operators)),
            .reference(.string("main")),
        ])
        let model = FlatBufferValue.table([
            .uint32(3), .reference(.tableVector(operatorCodes)), .reference(.tableVector([subgraph])),
            .reference(.string(description)), .reference(.tableVector(buffers)),
        ])
        return FlatBufferBuilder.serialize(root: model, fileIdentifier: fileIdentifier)
    }

    /// The operator's builtin options table.
    static func options(of op: EdgeOperator, graph: EdgeGraph) -> FlatBufferValue {
        switch op {
        case .convolution(_, _, _, _, let stride, let padding, let activation):
            return .table([.int8(Int8(padding.rawValue)), .int32(Int32(stride)), .int32(1), .int8(Int8(activation.rawValue)),
                           .int32(1), .int32(1)])
        case .depthwiseConvolution(_, _, _, _, let stride, let padding, let activation):
            return .table([.int8(Int8(padding.rawValue)), .int32(Int32(stride)), .int32(1), .int32(1),
                           .int8(Int8(activation.rawValue)), .int32(1), .int32(1)])
        case .fullyConnected(_, _, _, _, let activation):
            return .table([.int8(Int8(activation.rawValue)), .int8(0), .bool(false)])
        case .reshape(_, _, let output):
            return .table([.reference(.int32Vector(graph.tensors[output].shape.map { Int32($0) }))])
        case .mean:
            return .table([.bool(false)])
        case .concatenation(_, _, let axis):
            return .table([.int32(Int32(axis)), .int8(0)])
        case .add(_, _, _, let activation):
            // pot_scale_int16 false: 16x8 ADD rescales generally, as TFLite Micro does.
            let fused = FlatBufferField.int8(Int8(activation.rawValue))
            return .table(graph.hasInt16Activations ? [fused, .bool(false)] : [fused])
        case .softmax:
            return .table([.float32(1)])
        }
    }

    static func littleEndianBytes(_ constant: EdgeConstant) -> [UInt8] {
        switch constant {
        case .int8(let values): return values.map { UInt8(bitPattern: $0) }
        case .int32(let values): return values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        case .int64(let values): return values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        case .float(let values): return values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        }
    }
}
