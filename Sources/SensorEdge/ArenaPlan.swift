/// Offsets of every activation tensor in one shared arena, planned over the tensors' lifetimes the way TFLite
/// Micro's greedy planner does: buffers sorted by size (largest first) each take the lowest offset that does
/// not overlap a buffer already placed whose lifetime intersects theirs. Sizes are rounded up to 16 bytes,
/// TFLite Micro's buffer alignment.
///
/// A tensor lives from the operator that writes it (step 0 for graph inputs) to the last operator that reads
/// it (the end for graph outputs). This is the activation part of the arena only: TFLite Micro adds its own
/// persistent bookkeeping (tensor and node structs, per-channel multipliers), which `check_tflite.py --arena`
/// measures on the real interpreter.
public struct ArenaPlan: Sendable {
    public static let alignment = 16

    public struct Buffer: Sendable, Equatable {
        public var tensor: Int
        public var bytes: Int
        public var firstStep: Int
        public var lastStep: Int
        public var offset: Int
    }

    public let buffers: [Buffer]
    /// The arena bytes the plan needs (the highest buffer end).
    public let bytes: Int

    /// Plans the non-constant tensors of `graph` at `activationBytes` per element.
    public init(graph: EdgeGraph, activationBytes: Int) {
        let lifetimes = Self.lifetimes(graph)
        var pending = lifetimes.map { tensor, steps in
            Buffer(tensor: tensor, bytes: Self.aligned(graph.tensors[tensor].count * activationBytes),
                   firstStep: steps.lowerBound, lastStep: steps.upperBound, offset: 0)
        }
        pending.sort { ($0.bytes, $1.tensor) > ($1.bytes, $0.tensor) }
        var placed: [Buffer] = []
        for var buffer in pending {
            let conflicts = placed.filter { $0.firstStep <= buffer.lastStep && buffer.firstStep <= $0.lastStep }
                .sorted { $0.offset < $1.offset }
            var offset = 0
            for other in conflicts {
                if offset + buffer.bytes <= other.offset { break }
                offset = max(offset, other.offset + other.bytes)
            }
            buffer.offset = offset
            placed.append(buffer)
        }
        buffers = placed.sorted { $0.tensor < $1.tensor }
        bytes = placed.map { $0.offset + $0.bytes }.max() ?? 0
    }

    static func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }

    /// First and last operator step of every non-constant tensor that is used.
    static func lifetimes(_ graph: EdgeGraph) -> [(Int, ClosedRange<Int>)] {
        let end = max(graph.operators.count - 1, 0)
        var first: [Int: Int] = [:], last: [Int: Int] = [:]
        for input in graph.inputs { first[input] = 0; last[input] = 0 }
        for (step, op) in graph.operators.enumerated() {
            for input in op.inputTensors where graph.tensors[input].constant == nil {
                first[input] = first[input] ?? step
                last[input] = step
            }
            first[op.outputTensor] = first[op.outputTensor] ?? step
            last[op.outputTensor] = max(last[op.outputTensor] ?? step, step)
        }
        for output in graph.outputs { last[output] = end }
        return first.keys.sorted().map { ($0, first[$0]!...last[$0]!) }
    }

    /// The bytes of buffers live during each operator step (the sum, ignoring fragmentation).
    public func liveBytes(steps: Int) -> [Int] {
        (0..<steps).map { step in buffers.filter { $0.firstStep <= step && step <= $0.lastStep }.reduce(0) { $0 + $1.bytes } }
    }
}
