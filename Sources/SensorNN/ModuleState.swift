import SensorTensor

/// What differs between a saved state and the tensors it is loaded into.
///
/// Loading collects every difference before it changes anything, so one error lists all of them.
public struct StateMismatch: Error, Equatable, CustomStringConvertible, Sendable {
    /// A tensor whose saved shape differs from the receiving tensor's shape.
    public struct ShapeMismatch: Equatable, Sendable {
        public var name: String
        public var expected: [Int]
        public var found: [Int]
    }

    /// A saved entry whose element type is not the one expected (`F32` for weights).
    public struct DtypeMismatch: Equatable, Sendable {
        public var name: String
        public var expected: String
        public var found: String
    }

    /// Names the receiver needs that the saved state lacks.
    public var missing: [String] = []
    /// Names in the saved state that the receiver does not have.
    public var unexpected: [String] = []
    public var shapeMismatches: [ShapeMismatch] = []
    public var dtypeMismatches: [DtypeMismatch] = []

    public init(missing: [String] = [], unexpected: [String] = [], shapeMismatches: [ShapeMismatch] = [],
                dtypeMismatches: [DtypeMismatch] = []) {
        self.missing = missing
        self.unexpected = unexpected
        self.shapeMismatches = shapeMismatches
        self.dtypeMismatches = dtypeMismatches
    }

    public var isEmpty: Bool {
        missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty && dtypeMismatches.isEmpty
    }

    /// Appends another comparison's differences.
    public mutating func merge(_ other: StateMismatch) {
        missing += other.missing
        unexpected += other.unexpected
        shapeMismatches += other.shapeMismatches
        dtypeMismatches += other.dtypeMismatches
    }

    public var description: String {
        var lines = ["state does not match:"]
        if !missing.isEmpty { lines.append("  missing keys: \(missing.sorted().joined(separator: ", "))") }
        if !unexpected.isEmpty { lines.append("  unexpected keys: \(unexpected.sorted().joined(separator: ", "))") }
        for mismatch in shapeMismatches.sorted(by: { $0.name < $1.name }) {
            lines.append("  shape mismatch for \(mismatch.name): expected \(mismatch.expected), found \(mismatch.found)")
        }
        for mismatch in dtypeMismatches.sorted(by: { $0.name < $1.name }) {
            lines.append("  dtype mismatch for \(mismatch.name): expected \(mismatch.expected), found \(mismatch.found)")
        }
        return lines.joined(separator: "\n")
    }

    /// Compares `saved` shapes with the `receiving` tensors by name. Missing and unexpected names
    /// are reported only when `strict`; shape differences always.
    static func compare(saved: [String: [Int]], receiving: [(String, Tensor)], strict: Bool) -> StateMismatch {
        var result = StateMismatch()
        var receivingNames = Set<String>()
        for (name, tensor) in receiving {
            receivingNames.insert(name)
            guard let shape = saved[name] else {
                if strict { result.missing.append(name) }
                continue
            }
            if shape != tensor.shape {
                result.shapeMismatches.append(ShapeMismatch(name: name, expected: tensor.shape, found: shape))
            }
        }
        if strict {
            result.unexpected = saved.keys.filter { !receivingNames.contains($0) }.sorted()
        }
        return result
    }
}

extension Module {
    /// Parameters and buffers by dotted name, as copies (a snapshot that later training does not change).
    public func state() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, tensor) in namedParameters() + namedBuffers() { result[name] = tensor.copy() }
        return result
    }

    /// Copies `state` into this module's parameters and buffers, in place.
    ///
    /// Every name and shape is checked before anything is copied: on any difference it throws a
    /// `StateMismatch` listing all of them and leaves the module unchanged. With `strict` false,
    /// missing and unexpected names are skipped (shape differences still throw).
    public func loadState(_ state: [String: Tensor], strict: Bool = true) throws {
        let receiving = namedParameters() + namedBuffers()
        let mismatch = StateMismatch.compare(saved: state.mapValues { $0.shape }, receiving: receiving, strict: strict)
        guard mismatch.isEmpty else { throw mismatch }
        withNoGrad {
            for (name, tensor) in receiving {
                if let source = state[name] { tensor.assign(source) }
            }
        }
    }
}
