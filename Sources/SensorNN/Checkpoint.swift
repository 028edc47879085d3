import Foundation
import SafeTensors
import SensorTensor

/// A training checkpoint in one safetensors file, readable by Python's `safetensors`:
///
/// | key | dtype, shape | holds |
/// | --- | --- | --- |
/// | `model.<name>` | F32, the tensor's | parameters and buffers |
/// | `optimizer.<parameter>.<state>` | F32, the parameter's | `exp_avg`, `exp_avg_sq`, `momentum_buffer` |
/// | `optimizer.<parameter>.step` | I64, [] | updates applied to that parameter |
/// | `optimizer.step_count` | I64, [] | the optimizer's step count |
/// | `step` | I64, [] | the training step |
/// | `generator` | I64, [4] | `RandomGenerator.state`, bit patterns |
///
/// plus string metadata (a model config as JSON, say). Writes are atomic. Reading checks the
/// file's structure; `restore` checks every name, shape and dtype against the model and optimizer
/// and changes nothing unless all of them match.
public struct Checkpoint: Sendable {
    /// The file's entries and metadata.
    public let file: SafeTensorsFile
    /// Where the checkpoint was read from, for error messages (`"<memory>"` when built in memory).
    public let source: String

    static let formatKey = "sensorfm.format"
    static let formatVersion = "checkpoint-1"

    /// Captures the current state of `model` (and `optimizer`), with `step`, `generator` and
    /// `metadata` (keys starting with `sensorfm.` are reserved).
    public init(model: Module, optimizer: (any Optimizer)? = nil, step: Int, generator: RandomGenerator? = nil,
                metadata: [String: String] = [:]) {
        precondition(!metadata.keys.contains { $0.hasPrefix("sensorfm.") },
                     "Checkpoint: metadata keys starting with 'sensorfm.' are reserved, got \(metadata.keys.sorted())")
        var file = SafeTensorsFile(metadata: metadata.merging([Checkpoint.formatKey: Checkpoint.formatVersion]) { $1 })
        for (name, tensor) in model.namedParameters() + model.namedBuffers() {
            file["model.\(name)"] = SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape)
        }
        if let snapshot = optimizer?.exportState() {
            file["optimizer.step_count"] = SafeTensorsEntry(int64s: [Int64(snapshot.stepCount)], shape: [])
            for (name, count) in snapshot.parameterSteps {
                file["optimizer.\(name).step"] = SafeTensorsEntry(int64s: [Int64(count)], shape: [])
            }
            for (name, tensor) in snapshot.tensors {
                file["optimizer.\(name)"] = SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape)
            }
        }
        file["step"] = SafeTensorsEntry(int64s: [Int64(step)], shape: [])
        if let generator {
            file["generator"] = SafeTensorsEntry(int64s: generator.state.map { Int64(bitPattern: $0) }, shape: [4])
        }
        self.file = file
        source = "<memory>"
    }

    /// Reads a checkpoint; a truncated or corrupted file throws the `SafeTensorsError`, a valid
    /// safetensors file that is not a checkpoint throws `CheckpointError.malformed`.
    public init(contentsOf url: URL) throws {
        try self.init(file: SafeTensorsFile(contentsOf: url), source: url.path)
    }

    /// Wraps a parsed file after checking it is a checkpoint.
    public init(file: SafeTensorsFile, source: String) throws {
        guard file.metadata[Checkpoint.formatKey] == Checkpoint.formatVersion else {
            throw CheckpointError.malformed(source: source, reason: "metadata '\(Checkpoint.formatKey)' is not '\(Checkpoint.formatVersion)'")
        }
        self.file = file
        self.source = source
        guard try integer("step") != nil else {
            throw CheckpointError.malformed(source: source, reason: "entry 'step' is missing")
        }
        _ = try generator
    }

    /// Writes the file atomically (a reader sees the old file or the new one, never a mix).
    public func write(to url: URL) throws {
        try file.write(to: url)
    }

    /// The training step saved with the checkpoint.
    public var step: Int { (try? integer("step")).flatMap { $0 } ?? 0 }

    /// The saved generator, when one was saved.
    public var generator: RandomGenerator? {
        get throws {
            guard let entry = file["generator"] else { return nil }
            let words = try entry.int64s()
            guard entry.dtype == .I64, entry.shape == [4], words.contains(where: { $0 != 0 }) else {
                throw CheckpointError.malformed(source: source, reason: "entry 'generator' must be 4 non-zero I64 words, got \(entry.dtype) \(entry.shape)")
            }
            return RandomGenerator(state: words.map { UInt64(bitPattern: $0) })
        }
    }

    /// The caller's metadata (without the reserved `sensorfm.` keys).
    public var metadata: [String: String] { file.metadata.filter { !$0.key.hasPrefix("sensorfm.") } }

    /// Copies the saved state into `model` and `optimizer`.
    ///
    /// Every name, shape and dtype is checked first; on any difference this throws
    /// `CheckpointError.mismatch` listing all of them and changes nothing. With `strict` false,
    /// missing and unexpected model entries are skipped. Optimizer entries are only checked (and
    /// their presence required) when an optimizer is passed.
    public func restore(model: Module, optimizer: (any Optimizer)? = nil, strict: Bool = true) throws {
        var mismatch = StateMismatch()
        var modelState: [String: Tensor] = [:]
        var optimizerTensors: [String: Tensor] = [:]
        var parameterSteps: [String: Int] = [:]
        for name in file.names {
            if name.hasPrefix("model.") {
                if let tensor = try floatTensor(name, mismatch: &mismatch) { modelState[String(name.dropFirst(6))] = tensor }
            } else if optimizer != nil, name.hasPrefix("optimizer."), name != "optimizer.step_count" {
                let key = String(name.dropFirst(10))
                if key.hasSuffix(".step") {
                    if let count = try integer(name, mismatch: &mismatch) { parameterSteps[String(key.dropLast(5))] = count }
                } else if let tensor = try floatTensor(name, mismatch: &mismatch) {
                    optimizerTensors[key] = tensor
                }
            }
        }
        let receiving = model.namedParameters() + model.namedBuffers()
        let modelMismatch = StateMismatch.compare(saved: modelState.mapValues { $0.shape }, receiving: receiving, strict: strict)
        mismatch.merge(Checkpoint.prefixed(modelMismatch, "model."))
        var snapshot: OptimizerSnapshot?
        if let optimizer {
            let stepCount = try integer("optimizer.step_count", mismatch: &mismatch)
            if stepCount == nil && file["optimizer.step_count"] == nil { mismatch.missing.append("optimizer.step_count") }
            let candidate = OptimizerSnapshot(stepCount: stepCount ?? 0, tensors: optimizerTensors, parameterSteps: parameterSteps)
            mismatch.merge(Checkpoint.prefixed(optimizer.stateMismatch(candidate), "optimizer."))
            snapshot = candidate
        }
        guard mismatch.isEmpty else { throw CheckpointError.mismatch(source: source, mismatch) }
        try model.loadState(modelState, strict: strict)
        if let optimizer, let snapshot { try optimizer.importState(snapshot) }
    }

    // MARK: Entry decoding

    /// The F32 entry `name` as a tensor, or nil (with the dtype difference recorded).
    private func floatTensor(_ name: String, mismatch: inout StateMismatch) throws -> Tensor? {
        guard let entry = file[name] else { return nil }
        guard entry.dtype == .F32 else {
            mismatch.dtypeMismatches.append(.init(name: name, expected: "F32", found: entry.dtype.rawValue))
            return nil
        }
        return Tensor(shape: entry.shape, scalars: try entry.floats())
    }

    /// The I64 scalar entry `name`, or nil when absent or of another dtype or shape (recorded).
    private func integer(_ name: String, mismatch: inout StateMismatch) throws -> Int? {
        guard let entry = file[name] else { return nil }
        guard entry.dtype == .I64 else {
            mismatch.dtypeMismatches.append(.init(name: name, expected: "I64", found: entry.dtype.rawValue))
            return nil
        }
        guard entry.shape == [] else {
            mismatch.shapeMismatches.append(.init(name: name, expected: [], found: entry.shape))
            return nil
        }
        return Int(try entry.int64s()[0])
    }

    private func integer(_ name: String) throws -> Int? {
        var mismatch = StateMismatch()
        let value = try integer(name, mismatch: &mismatch)
        if !mismatch.isEmpty { throw CheckpointError.malformed(source: source, reason: mismatch.description) }
        return value
    }

    private static func prefixed(_ mismatch: StateMismatch, _ prefix: String) -> StateMismatch {
        StateMismatch(missing: mismatch.missing.map { prefix + $0 },
                      unexpected: mismatch.unexpected.map { prefix + $0 },
                      shapeMismatches: mismatch.shapeMismatches.map { .init(name: prefix + $0.name, expected: $0.expected, found: $0.found) },
                      dtypeMismatches: mismatch.dtypeMismatches.map { .init(name: prefix + $0.name, expected: $0.expected, found: $0.found) })
    }
}

/// Why a checkpoint could not be read or restored; the description names the file.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// A valid safetensors file without a checkpoint's structure.
    case malformed(source: String, reason: String)
    /// The checkpoint does not fit the model or optimizer it is restored into.
    case mismatch(source: String, StateMismatch)

    public var description: String {
        switch self {
        case let .malformed(source, reason): "\(source): not a SensorFM checkpoint: \(reason)"
        case let .mismatch(source, mismatch): "\(source): \(mismatch)"
        }
    }
}
