import Foundation

/// Exports a quantized `EdgeGraph` as plain C99: the weights, biases and requantization constants as const
/// arrays, one static activation arena laid out by `ArenaPlan`, the kernels of `kernelSource`, and two entry
/// points:
///
///     void sensorfm_infer(const float *ppg, const float *acc, const float *temp, int8_t *logits, int8_t *probabilities);
///     void sensorfm_infer_int8(const int8_t *ppg, const int8_t *acc, const int8_t *temp, int8_t *logits, int8_t *probabilities);
///
/// (parameters named after the graph's inputs and outputs). `sensorfm_infer` takes raw channels-last samples
/// and normalises and quantizes them first. Every constant comes from the `IntegerRuntime` built for the
/// graph, so the C code computes what the Swift reference computes.
public enum CExport {
    /// The files of an export: `sensorfm_model.h`, `sensorfm_model.c`, `sensorfm_kernels.h`.
    public static func sources(graph: EdgeGraph, normalization: InputNormalization) -> [(name: String, contents: String)] {
        let model = ModelSource(graph: graph, normalization: normalization)
        return [("sensorfm_model.h", model.header), ("sensorfm_model.c", model.implementation), ("sensorfm_kernels.h", kernelSource)]
    }

    /// A C identifier from a tensor name.
    static func identifier(_ name: String) -> String {
        let characters = name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        return String(characters)
    }

    /// An int32 literal (INT32_MIN spelled so it stays an int).
    static func literal(_ value: Int32) -> String { value == Int32.min ? "(-2147483647 - 1)" : String(value) }

    /// A float32 literal that reads back to exactly `value` (hexadecimal, C99).
    static func literal(_ value: Float) -> String { String(format: "%af", Double(value)) }

    /// An array initializer, 20 values a line.
    static func initializer(_ values: [String]) -> String {
        stride(from: 0, to: values.count, by: 20).map { start in
            "    " + values[start..<min(start + 20, values.count)].joined(separator: ", ") + ","
        }.joined(separator: "\n")
    }

    /// Writes `files` into `directory` (created if needed) under temporary names, then renames them, so a failure
    /// leaves no partial export.
    public static func write(_ files: [(name: String, contents: String)], to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EdgeExportError.cannotCreateDirectory(path: directory.path, reason: "\(error)")
        }
        var temporaries: [URL] = []
        do {
            for file in files {
                let temporary = directory.appendingPathComponent(".\(file.name).tmp")
                do { try Data(file.contents.utf8).write(to: temporary) } catch {
                    throw EdgeExportError.cannotWrite(path: temporary.path, reason: "\(error)")
                }
                temporaries.append(temporary)
            }
            for (file, temporary) in zip(files, temporaries) {
                let destination = directory.appendingPathComponent(file.name)
                try? FileManager.default.removeItem(at: destination)
                do { try FileManager.default.moveItem(at: temporary, to: destination) } catch {
                    throw EdgeExportError.cannotWrite(path: destination.path, reason: "\(error)")
                }
            }
        } catch {
            for url in temporaries { try? FileManager.default.removeItem(at: url) }
            throw error
        }
    }
}

/// The generated model header and implementation of one graph.
struct ModelSource {
    let graph: EdgeGraph
    let normalization: InputNormalization
    let plan: ArenaPlan
    let runtime: IntegerRuntime

    init(graph: EdgeGraph, normalization: InputNormalization) {
        precondition(normalization.means.count == graph.inputs.count,
                     "CExport: normalisation for \(normalization.means.count) inputs, the graph has \(graph.inputs.count)")
        self.graph = graph
        self.normalization = normalization
        plan = ArenaPlan(graph: graph, activationBytes: 1)
        runtime = IntegerRuntime(graph: graph)
    }

    func name(_ tensor: Int) -> String { CExport.identifier(graph.tensors[tensor].name) }

    func count(_ tensor: Int) -> Int { graph.tensors[tensor].count }

    /// The tensor's place in the arena.
    func address(_ tensor: Int) -> String {
        guard let buffer = plan.buffers.first(where: { $0.tensor == tensor }) else {
            preconditionFailure("CExport: tensor \(graph.tensors[tensor].name) has no arena buffer")
        }
        return "(sfm_arena + \(buffer.offset))"
    }

    func parameters(_ type: String) -> String {
        (graph.inputs.map { "const \(type) *\(name($0))" } + graph.outputs.map { "int8_t *\(name($0))" }).joined(separator: ", ")
    }

    var header: String {
        var lines = [
            "/* Generated by SensorFM (CExport): a quantized student as plain C. Inputs are channels-last. */",
            "#ifndef SENSORFM_MODEL_H", "#define SENSORFM_MODEL_H", "#include <stdint.h>", "",
        ]
        for tensor in graph.inputs + graph.outputs {
            lines.append("#define SENSORFM_\(name(tensor).uppercased())_COUNT \(count(tensor)) /* shape \(graph.tensors[tensor].shape) */")
        }
        lines.append("#define SENSORFM_ARENA_BYTES \(plan.bytes)")
        lines += [
            "", "/* Normalises each raw sample per channel, quantizes it to int8 and runs the model. */",
            "void sensorfm_infer(\(parameters("float")));",
            "/* Runs the model on inputs that are already int8. */",
            "void sensorfm_infer_int8(\(parameters("int8_t")));", "", "#endif", "",
        ]
        return lines.joined(separator: "\n")
    }

    var implementation: String {
        var constants: [String] = []
        var body: [String] = []
        func constant(_ type: String, _ label: String, _ values: [String]) -> String {
            let identifier = "sfm_\(label)"
            constants.append("static const \(type) \(identifier)[\(values.count)] = {\n\(CExport.initializer(values))\n};")
            return identifier
        }
        func multipliers(_ label: String, _ values: [FixedPoint.QuantizedMultiplier]) -> (String, String) {
            (constant("int32_t", "\(label)_multipliers", values.map { CExport.literal($0.multiplier) }),
             constant("int32_t", "\(label)_shifts", values.map { String($0.shift) }))
        }
        for (step, op) in zip(runtime.steps, graph.operators) {
            let label = name(op.outputTensor)
            body.append("    /* \(op.name) -> \(graph.tensors[op.outputTensor].name) \(graph.tensors[op.outputTensor].shape) */")
            switch step {
            case .copy(let input, let output):
                body.append("    memcpy(\(address(output)), \(address(input)), \(count(output)));")
            case .convolution(let input, let filter, let bias, let output, let length, let inputChannels, let outputChannels,
                              let kernelSize, let stride, let padding, let depthwise, let inputZeroPoint, let quantized,
                              let outputZeroPoint, let range):
                let (outputLength, before) = padding.geometry(inputLength: length, kernelSize: kernelSize, stride: stride)
                let filterName = constant("int8_t", "\(label)_filter", filter.map { String($0) })
                let biasName = constant("int32_t", "\(label)_bias", bias.map { CExport.literal($0) })
                let (multiplierName, shiftName) = multipliers(label, quantized)
                let tail = "\(multiplierName), \(shiftName), \(outputZeroPoint), \(range.lowerBound), \(range.upperBound), \(address(output)));"
                if depthwise {
                    body.append("    sfm_depthwise_convolution(\(address(input)), \(length), \(inputChannels), \(inputZeroPoint), \(filterName), \(biasName), \(kernelSize), \(stride), \(before), \(outputLength), " + tail)
                } else {
                    body.append("    sfm_convolution(\(address(input)), \(length), \(inputChannels), \(inputZeroPoint), \(filterName), \(biasName), \(outputChannels), \(kernelSize), \(stride), \(before), \(outputLength), " + tail)
                }
            case .fullyConnected(let input, let weights, let bias, let output, let outputs, let inputZeroPoint, let multiplier,
                                 let outputZeroPoint, let range):
                let weightName = constant("int8_t", "\(label)_weights", weights.map { String($0) })
                let biasName = constant("int32_t", "\(label)_bias", bias.map { CExport.literal($0) })
                body.append("    sfm_fully_connected(\(address(input)), \(count(input)), \(inputZeroPoint), \(weightName), \(biasName), \(outputs), \(CExport.literal(multiplier.multiplier)), \(multiplier.shift), \(outputZeroPoint), \(range.lowerBound), \(range.upperBound), \(address(output)));")
            case .mean(let input, let output, let length, let channels, let inputZeroPoint, let multiplier, let outputZeroPoint):
                let folded = FixedPoint.meanMultiplier(multiplier, elementCount: length)
                body.append("    sfm_mean(\(address(input)), \(length), \(channels), \(inputZeroPoint), \(CExport.literal(folded.multiplier)), \(folded.shift), \(outputZeroPoint), \(address(output)));")
            case .concatenation(let inputs, let output):
                var offset = 0
                for input in inputs {
                    body.append("    memcpy(\(address(output)) + \(offset), \(address(input)), \(count(input)));")
                    offset += count(input)
                }
            case .add(let first, let second, let output, let p, let range):
                body.append("    sfm_add(\(address(first)), \(address(second)), \(count(output)), \(p.firstZeroPoint), \(p.secondZeroPoint), \(CExport.literal(p.firstMultiplier.multiplier)), \(p.firstMultiplier.shift), \(CExport.literal(p.secondMultiplier.multiplier)), \(p.secondMultiplier.shift), \(CExport.literal(p.outputMultiplier.multiplier)), \(p.outputMultiplier.shift), \(p.outputZeroPoint), \(range.lowerBound), \(range.upperBound), \(address(output)));")
            case .softmax(let input, let output, let kernel):
                body.append("    sfm_softmax(\(address(input)), \(count(input)), \(CExport.literal(kernel.inputMultiplier)), \(kernel.inputLeftShift), \(CExport.literal(kernel.differenceMinimum)), \(address(output)));")
            }
        }
        var normalizing: [String] = []
        for (index, tensor) in graph.inputs.enumerated() {
            let q = graph.tensors[tensor].quantization!, channels = normalization.means[index].count
            let mean = constant("float", "\(name(tensor))_mean", normalization.means[index].map(CExport.literal))
            let deviation = constant("float", "\(name(tensor))_deviation", normalization.deviations[index].map(CExport.literal))
            normalizing += [
                "    for (int i = 0; i < \(count(tensor)); ++i) {",
                "        \(address(tensor))[i] = sfm_normalize_and_quantize(\(name(tensor))[i], \(mean)[i % \(channels)], \(deviation)[i % \(channels)], \(CExport.literal(q.scale)), \(q.zeroPoint));",
                "    }",
            ]
        }
        let copyIn = graph.inputs.map { "    memcpy(\(address($0)), \(name($0)), \(count($0)));" }
        let copyOut = graph.outputs.map { "    memcpy(\(name($0)), \(address($0)), \(count($0)));" }
        let outputArguments = graph.outputs.map(name).joined(separator: ", ")
        var lines = [
            "/* Generated by SensorFM (CExport): weights, requantization constants and the operator sequence. */",
            "#include \"sensorfm_model.h\"", "#include \"sensorfm_kernels.h\"", "",
            "/* Activations, laid out over their lifetimes (\(plan.bytes) bytes). */",
            "static int8_t sfm_arena[SENSORFM_ARENA_BYTES] __attribute__((aligned(16)));", "",
        ]
        lines += constants
        lines += ["", "static void sfm_run(\(graph.outputs.map { "int8_t *\(name($0))" }.joined(separator: ", "))) {"] + body + copyOut + ["}", ""]
        lines += ["void sensorfm_infer_int8(\(parameters("int8_t"))) {"] + copyIn + ["    sfm_run(\(outputArguments));", "}", ""]
        lines += ["void sensorfm_infer(\(parameters("float"))) {"] + normalizing + ["    sfm_run(\(outputArguments));", "}", ""]
        return lines.joined(separator: "\n")
    }
}
