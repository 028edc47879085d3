import Foundation
import SensorData
import SensorPretrain
import SensorTensor

/// Pooled embeddings of a frozen encoder, computed once per window under no-grad (evaluation
/// mode) and kept in memory, so linear probes over many fractions and seeds embed each window once.
public final class EmbeddingCache {
    public let encoder: any Encoder
    public let windows: WindowSet
    public let batchSize: Int
    /// [windowCount · D]; rows valid where `computed` is set.
    private var rows: [Float]
    private var computed: [Bool]

    public init(encoder: any Encoder, windows: WindowSet, batchSize: Int = 256) throws(EvaluationError) {
        try EncoderInputs.validate(layout: encoder.layout, windows: windows)
        self.encoder = encoder
        self.windows = windows
        self.batchSize = batchSize
        rows = [Float](repeating: 0, count: windows.windowCount * encoder.dimensions)
        computed = [Bool](repeating: false, count: windows.windowCount)
    }

    public var dimensions: Int { encoder.dimensions }

    /// Embeddings [indices.count, D] of the windows at `indices`, computing the missing ones.
    public func embeddings(_ indices: [Int]) -> Tensor {
        let pending = Array(Set(indices.filter { !computed[$0] })).sorted()
        if !pending.isEmpty {
            let wasTraining = encoder.isTraining
            encoder.eval()
            withNoGrad {
                for start in stride(from: 0, to: pending.count, by: batchSize) {
                    let chunk = Array(pending[start..<min(pending.count, start + batchSize)])
                    let inputs = EncoderInputs(layout: encoder.layout, windows: windows, indices: chunk)
                    let embedded = encoder.embed(inputs.patches, mask: inputs.mask)
                    store(embedded, for: chunk)
                }
            }
            encoder.train(wasTraining)
        }
        return gather(indices)
    }

    private func store(_ embedded: Tensor, for chunk: [Int]) {
        let width = dimensions
        embedded.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { target in
                for (row, index) in chunk.enumerated() {
                    (target.baseAddress! + index * width).update(from: source.baseAddress! + row * width, count: width)
                    computed[index] = true
                }
            }
        }
    }

    private func gather(_ indices: [Int]) -> Tensor {
        let width = dimensions, result = Tensor(uninitializedShape: [indices.count, width])
        rows.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    (target.baseAddress! + row * width).update(from: source.baseAddress! + index * width, count: width)
                }
            }
        }
        return result
    }
}
