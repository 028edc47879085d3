import Foundation
import SensorNN
import SensorPretrain
import SensorTensor

/// Depth of each encoder parameter, counted from the input: 0 for tokenizers, stems and
/// embeddings, block i at i + 1, and everything above the blocks (final norm, projection,
/// fusion) at `blockCount + 1` or higher. Used by partial fine-tuning (which depths train) and
/// by layer-wise learning-rate decay (how fast each depth trains).
public struct EncoderDepths {
    /// Residual or Transformer blocks along the encoder's depth.
    public let blockCount: Int
    /// The deepest level any parameter has.
    public let topDepth: Int
    private let depths: [String: Int]

    public init(_ encoder: any Encoder) {
        var depths: [String: Int] = [:]
        let names = encoder.namedParameters().map(\.0)
        if let patch = encoder as? PatchEncoder {
            blockCount = patch.configuration.depth
            for name in names {
                if let block = Self.index(after: "blocks.", in: name) { depths[name] = block + 1 }
                else if name.hasPrefix("finalNorm.") { depths[name] = blockCount + 1 }
                else { depths[name] = 0 }
            }
        } else if let resNet = encoder as? ResNetEncoder {
            blockCount = resNet.configuration.blockCount
            for name in names {
                let local = name.split(separator: ".", maxSplits: 2).dropFirst(2).first.map(String.init) ?? name
                if name.hasPrefix("fusion.") { depths[name] = blockCount + 2 }
                else if name.hasPrefix("stems."), local.hasPrefix("projection.") { depths[name] = blockCount + 1 }
                else if name.hasPrefix("stems."), let block = Self.index(after: "blocks.", in: local) { depths[name] = block + 1 }
                else { depths[name] = 0 }
            }
        } else {
            // An encoder of unknown structure is one level: partial fine-tuning trains all of it.
            blockCount = 0
            for name in names { depths[name] = 0 }
        }
        self.depths = depths
        topDepth = depths.values.max() ?? 0
    }

    /// The depth of parameter `name` (a name from `encoder.namedParameters()`).
    public func depth(of name: String) -> Int {
        guard let depth = depths[name] else { preconditionFailure("EncoderDepths: unknown parameter \(name)") }
        return depth
    }

    /// Whether partial fine-tuning of the last `blocks` blocks trains `name`: the last blocks and
    /// everything above them.
    public func isTrainable(_ name: String, lastBlocks blocks: Int) -> Bool {
        depth(of: name) > blockCount - blocks
    }

    /// Learning-rate factor decay^(topDepth + 1 − depth) (the head, one above the top, gets 1).
    public func learningRateFactor(of name: String, decay: Float) -> Float {
        Float(pow(Double(decay), Double(topDepth + 1 - depth(of: name))))
    }

    /// The integer after `prefix` at the start of `name` ("blocks.3.x" -> 3).
    private static func index(after prefix: String, in name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count).prefix { $0.isNumber })
    }
}

/// AdamW with a learning rate per parameter group, for layer-wise learning-rate decay
/// (Clark et al., ELECTRA, 2020; Bao et al., BEiT, 2022).
///
/// SensorNN's optimizers take one learning rate, so this wrapper keeps one `AdamW` per distinct
/// factor and sets each group's rate to `learningRate · factor` before its step. Each group's
/// update is exactly AdamW's (same moments, bias correction and decoupled decay).
public final class LayerwiseAdamW {
    /// The base rate (the head's); schedules set it before each step.
    public var learningRate: Float
    private let groups: [(factor: Float, optimizer: AdamW)]

    /// - Parameter parameters: (name, tensor, learning-rate factor) triples.
    public init(parameters: [(String, Tensor, Float)], learningRate: Float, weightDecay: Float) {
        precondition(parameters.allSatisfy { $0.2 >= 0 }, "LayerwiseAdamW: learning-rate factors must be >= 0")
        self.learningRate = learningRate
        var byFactor: [Float: [(String, Tensor)]] = [:]
        for (name, tensor, factor) in parameters { byFactor[factor, default: []].append((name, tensor)) }
        groups = byFactor.keys.sorted().map { factor in
            (factor, AdamW(parameters: byFactor[factor]!, learningRate: learningRate * factor, weightDecay: weightDecay))
        }
    }

    /// Factors of the groups, ascending.
    public var factors: [Float] { groups.map(\.factor) }

    public func step() {
        for (factor, optimizer) in groups {
            optimizer.learningRate = learningRate * factor
            optimizer.step()
        }
    }

    public func zeroGrad() {
        for group in groups { group.optimizer.zeroGrad() }
    }
}
