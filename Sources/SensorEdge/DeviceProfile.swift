import Foundation
import Yams

/// Integer arithmetic a device runs the student with: int8 activations, or int16 activations with int8
/// weights (TFLite's 16x8 mode).
public enum EdgeArithmetic: String, Sendable, CaseIterable {
    case int8
    case int16x8 = "16x8"

    /// Bytes of one activation value.
    public var activationBytes: Int { self == .int8 ? 1 : 2 }
    /// Bytes of one bias value (int32 for int8, int64 for 16x8).
    public var biasBytes: Int { self == .int8 ? 4 : 8 }
}

/// What a target microcontroller offers the model (`Experiments/devices/*.yaml`): flash for the weights, RAM
/// for the activation arena, clock, arithmetic and how often the model runs. `cyclesPerMultiplyAccumulate`
/// is the assumption the latency estimate rests on (plain C int8 kernels, no SIMD).
public struct DeviceProfile: Sendable, Equatable {
    public var name: String
    public var processor: String
    public var clockMegahertz: Double
    public var arithmetic: EdgeArithmetic
    /// Inferences per second the firmware asks for; the estimated latency must fit in one period.
    public var inferenceRateHertz: Double
    public var weightFlashBytes: Int
    /// The whole TFLite Micro arena the model may use: planned activations plus `runtimeOverhead`.
    public var arenaBytes: Int
    /// Arena bytes TFLite Micro keeps for its own bookkeeping besides the planned activations.
    public var runtimeOverhead: RuntimeOverhead
    public var cyclesPerMultiplyAccumulate: Double

    public init(name: String, processor: String, clockMegahertz: Double, arithmetic: EdgeArithmetic, inferenceRateHertz: Double,
                weightFlashBytes: Int, arenaBytes: Int, runtimeOverhead: RuntimeOverhead, cyclesPerMultiplyAccumulate: Double) {
        self.name = name
        self.processor = processor
        self.clockMegahertz = clockMegahertz
        self.arithmetic = arithmetic
        self.inferenceRateHertz = inferenceRateHertz
        self.weightFlashBytes = weightFlashBytes
        self.arenaBytes = arenaBytes
        self.runtimeOverhead = runtimeOverhead
        self.cyclesPerMultiplyAccumulate = cyclesPerMultiplyAccumulate
    }

    /// The keys a profile file may hold; every one but `description` is required.
    static let keys = ["name", "description", "processor", "clock_mhz", "arithmetic", "inference_rate_hz",
                       "weight_flash_bytes", "arena_bytes", "runtime_overhead", "cycles_per_mac"]
}

/// TFLite Micro's arena bytes beside the planned activations, as a linear model of the graph: the interpreter keeps a
/// persistent record per tensor (a TfLiteEvalTensor, constants included), per operator (node, registration and the
/// kernel's op data) and, for every CONV_2D and DEPTHWISE_CONV_2D, an int32 output multiplier and an int32 shift per
/// output channel (two arrays, each rounded up to TFLite Micro's 16-byte alignment), plus a fixed part (allocator,
/// subgraph, the scratch of preparing). The numbers of a profile are fitted to `check_tflite.py --arena` on students
/// of several shapes, with the fixed part raised so the model is an upper bound on every measured one.
public struct RuntimeOverhead: Sendable, Equatable {
    public var fixedBytes: Int
    public var bytesPerTensor: Int
    public var bytesPerOperator: Int
    /// Multiplier plus shift bytes per convolution output channel (8 for two int32 arrays).
    public var bytesPerChannel: Int

    public init(fixedBytes: Int, bytesPerTensor: Int = 0, bytesPerOperator: Int = 0, bytesPerChannel: Int = 0) {
        self.fixedBytes = fixedBytes
        self.bytesPerTensor = bytesPerTensor
        self.bytesPerOperator = bytesPerOperator
        self.bytesPerChannel = bytesPerChannel
    }

    static let keys = ["fixed_bytes", "per_tensor_bytes", "per_operator_bytes", "per_channel_bytes"]

    /// The per-channel arrays of every convolution: two arrays of `bytesPerChannel / 2` per channel, each aligned.
    public func channelBytes(_ graph: EdgeGraph) -> Int {
        graph.operators.reduce(0) { total, op in
            switch op {
            case .convolution(_, _, _, let output, _, _, _), .depthwiseConvolution(_, _, _, let output, _, _, _):
                total + 2 * ArenaPlan.aligned(bytesPerChannel / 2 * graph.tensors[output].shape.last!)
            default: total
            }
        }
    }

    /// The modelled bookkeeping bytes of `graph`.
    public func bytes(for graph: EdgeGraph) -> Int {
        fixedBytes + bytesPerTensor * graph.tensors.count + bytesPerOperator * graph.operators.count + channelBytes(graph)
    }
}

/// A device profile that cannot be used, naming the file, the line and the key.
public struct DeviceProfileError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

extension DeviceProfile {
    /// Reads a profile file strictly: unknown, repeated, missing or ill-typed keys are errors.
    public static func load(_ url: URL) throws -> DeviceProfile {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw DeviceProfileError(file: url.path, line: nil, key: "", message: "cannot read the device profile as UTF-8 text")
        }
        return try parse(yaml: text, file: url.path)
    }

    /// Parses profile YAML; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws -> DeviceProfile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            throw DeviceProfileError(file: file, line: context.mark.line, key: duplicates.joined(separator: ", "), message: "key appears twice")
        } catch let YamlError.scanner(_, problem, mark, _), let YamlError.parser(_, problem, mark, _),
                let YamlError.composer(_, problem, mark, _) {
            throw DeviceProfileError(file: file, line: mark.line, key: "", message: "invalid YAML: \(problem)")
        } catch {
            throw DeviceProfileError(file: file, line: nil, key: "", message: "invalid YAML: \(error)")
        }
        guard let root, case .mapping(let mapping) = root else {
            throw DeviceProfileError(file: file, line: root?.mark?.line, key: "", message: "a device profile is a mapping of keys to values")
        }
        var fields: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard keys.contains(key) else {
                throw DeviceProfileError(file: file, line: keyNode.mark?.line, key: key,
                                         message: "unknown key (expected one of \(keys.joined(separator: ", ")))")
            }
            fields[key] = value
        }
        func required(_ key: String) throws -> Node {
            guard let node = fields[key] else {
                throw DeviceProfileError(file: file, line: root.mark?.line, key: key, message: "missing required key")
            }
            return node
        }
        func text(_ key: String) throws -> String {
            let node = try required(key)
            guard case .scalar = node, let value = node.string, !value.isEmpty else {
                throw DeviceProfileError(file: file, line: node.mark?.line, key: key, message: "expected a non-empty text value")
            }
            return value
        }
        func positiveNumber(_ key: String) throws -> Double {
            let node = try required(key)
            guard case .scalar = node, let value = node.float.map({ Double($0) }), value.isFinite, value > 0 else {
                throw DeviceProfileError(file: file, line: node.mark?.line, key: key,
                                         message: "expected a positive number, found '\(node.string ?? "a collection")'")
            }
            return value
        }
        func byteCount(_ node: Node, key: String, minimum: Int = 1) throws -> Int {
            guard case .scalar = node, let value = node.int, value >= minimum else {
                throw DeviceProfileError(file: file, line: node.mark?.line, key: key,
                                         message: "expected a whole number of bytes >= \(minimum), found '\(node.string ?? "a collection")'")
            }
            return value
        }
        func byteCount(_ key: String, minimum: Int = 1) throws -> Int { try byteCount(try required(key), key: key, minimum: minimum) }
        func runtimeOverhead() throws -> RuntimeOverhead {
            let node = try required("runtime_overhead")
            guard case .mapping(let overhead) = node else {
                throw DeviceProfileError(file: file, line: node.mark?.line, key: "runtime_overhead",
                                         message: "expected a mapping of \(RuntimeOverhead.keys.joined(separator: ", "))")
            }
            var values: [String: Int] = [:]
            for (keyNode, value) in overhead {
                let key = "runtime_overhead." + (keyNode.string ?? "")
                guard let name = keyNode.string, RuntimeOverhead.keys.contains(name) else {
                    throw DeviceProfileError(file: file, line: keyNode.mark?.line, key: key,
                                             message: "unknown key (expected one of \(RuntimeOverhead.keys.joined(separator: ", ")))")
                }
                values[name] = try byteCount(value, key: key, minimum: 0)
            }
            guard let fixed = values["fixed_bytes"] else {
                throw DeviceProfileError(file: file, line: node.mark?.line, key: "runtime_overhead.fixed_bytes", message: "missing required key")
            }
            return RuntimeOverhead(fixedBytes: fixed, bytesPerTensor: values["per_tensor_bytes"] ?? 0,
                                   bytesPerOperator: values["per_operator_bytes"] ?? 0, bytesPerChannel: values["per_channel_bytes"] ?? 0)
        }
        if let description = fields["description"], description.scalar == nil {
            throw DeviceProfileError(file: file, line: description.mark?.line, key: "description", message: "expected a text value")
        }
        let arithmeticText = try text("arithmetic")
        guard let arithmetic = EdgeArithmetic(rawValue: arithmeticText) else {
            throw DeviceProfileError(file: file, line: fields["arithmetic"]?.mark?.line, key: "arithmetic",
                                     message: "expected int8 or 16x8, found '\(arithmeticText)'")
        }
        return DeviceProfile(name: try text("name"), processor: try text("processor"), clockMegahertz: try positiveNumber("clock_mhz"),
                             arithmetic: arithmetic, inferenceRateHertz: try positiveNumber("inference_rate_hz"),
                             weightFlashBytes: try byteCount("weight_flash_bytes"), arenaBytes: try byteCount("arena_bytes"),
                             runtimeOverhead: try runtimeOverhead(),
                             cyclesPerMultiplyAccumulate: try positiveNumber("cycles_per_mac"))
    }
}
