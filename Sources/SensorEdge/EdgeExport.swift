import Foundation

/// Errors writing edge artefacts, naming the file involved.
public enum EdgeExportError: Error, CustomStringConvertible {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): "cannot create directory \(path): \(reason)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

/// Artefacts that let an external runtime check the Swift integer reference.
public enum EdgeExport {
    /// Writes a verification bundle into `directory` (created if needed):
    /// - `model.tflite`: the quantized graph;
    /// - `inputs.bin`: for each sample, each graph input's int8 values (channels-last) back to back;
    /// - `expected.bin`: for each sample, each graph output's int8 values from `IntegerRuntime`;
    /// - `manifest.json`: sample count, element type, the names and shapes of inputs and outputs, and which
    ///   outputs are softmax probabilities (checked within 1 LSB and same top class; every other output bit for bit).
    /// Files are written under temporary names and renamed, so a failure leaves no partial bundle.
    public static func writeVerificationBundle(model graph: EdgeGraph, inputs: [[[Int8]]], to directory: URL) throws {
        let runtime = IntegerRuntime(graph: graph)
        var inputBytes: [UInt8] = [], expectedBytes: [UInt8] = []
        for sample in inputs {
            for values in sample { inputBytes += values.map { UInt8(bitPattern: $0) } }
            for values in runtime.run(sample) { expectedBytes += values.map { UInt8(bitPattern: $0) } }
        }
        try writeBundle(graph, samples: inputs.count, elementType: "int8", inputBytes: inputBytes, expectedBytes: expectedBytes,
                        to: directory)
    }

    /// The same for a 16x8 graph: int16 inputs and `Integer16x8Runtime` outputs, little-endian.
    public static func writeVerificationBundle(model graph: EdgeGraph, inputs: [[[Int16]]], to directory: URL) throws {
        let runtime = Integer16x8Runtime(graph: graph)
        func bytes(_ values: [Int16]) -> [UInt8] { values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } } }
        var inputBytes: [UInt8] = [], expectedBytes: [UInt8] = []
        for sample in inputs {
            for values in sample { inputBytes += bytes(values) }
            for values in runtime.run(sample) { expectedBytes += bytes(values) }
        }
        try writeBundle(graph, samples: inputs.count, elementType: "int16", inputBytes: inputBytes, expectedBytes: expectedBytes,
                        to: directory)
    }

    private static func writeBundle(_ graph: EdgeGraph, samples: Int, elementType: String, inputBytes: [UInt8], expectedBytes: [UInt8],
                                    to directory: URL) throws {
        let softmaxOutputs = Set(graph.operators.compactMap { op -> Int? in
            if case .softmax(_, let output) = op { return output } else { return nil }
        })
        func describe(_ indices: [Int]) -> [[String: Any]] {
            indices.map { ["name": graph.tensors[$0].name, "shape": graph.tensors[$0].shape, "softmax": softmaxOutputs.contains($0)] }
        }
        let manifest: [String: Any] = ["samples": samples, "dtype": elementType, "inputs": describe(graph.inputs),
                                       "outputs": describe(graph.outputs)]
        let manifestData = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        let files: [(String, Data)] = [
            ("model.tflite", Data(TFLiteWriter.serialize(graph))), ("inputs.bin", Data(inputBytes)),
            ("expected.bin", Data(expectedBytes)), ("manifest.json", manifestData),
        ]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EdgeExportError.cannotCreateDirectory(path: directory.path, reason: "\(error)")
        }
        var written: [URL] = []
        do {
            for (name, data) in files {
                let temporary = directory.appendingPathComponent(".\(name).tmp")
                do { try data.write(to: temporary) } catch {
                    throw EdgeExportError.cannotWrite(path: temporary.path, reason: "\(error)")
                }
                written.append(temporary)
            }
            for (name, _) in files {
                let destination = directory.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: destination)
                do {
                    try FileManager.default.moveItem(at: directory.appendingPathComponent(".\(name).tmp"), to: destination)
                } catch {
                    throw EdgeExportError.cannotWrite(path: destination.path, reason: "\(error)")
                }
            }
        } catch {
            for url in written { try? FileManager.default.removeItem(at: url) }
            throw error
        }
    }
}
