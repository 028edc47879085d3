import Foundation
import SensorNN
import SensorTensor

/// The shape of a prediction head on the pooled embedding.
public enum HeadKind: Sendable, Codable, Equatable {
    case linear
    /// One hidden layer of `hidden` units with GELU.
    case mlp(hidden: Int)
}

/// The regression loss on standardised targets.
public enum RegressionLoss: Sendable, Codable, Equatable {
    case meanSquaredError
    case huber(delta: Float)
}

/// A linear or MLP head: pooled embeddings [N, D] -> logits [N, classes] or values [N, 1].
public final class PredictionHead: Module {
    public let network: MLP

    public init(kind: HeadKind, inputDimensions: Int, outputDimensions: Int, generator: inout RandomGenerator) {
        switch kind {
        case .linear:
            network = MLP(dimensions: [inputDimensions, outputDimensions], activation: .gelu(.erf), generator: &generator)
        case .mlp(let hidden):
            precondition(hidden > 0, "PredictionHead: hidden width must be positive, got \(hidden)")
            network = MLP(dimensions: [inputDimensions, hidden, outputDimensions], activation: .gelu(.erf), generator: &generator)
        }
    }

    public func callAsFunction(_ embeddings: Tensor) -> Tensor { network(embeddings) }
}

/// The training loss of a task's head output: cross-entropy for classes, MSE or Huber for
/// standardised values.
enum HeadLoss {
    /// output [N, C] or [N, 1]; classes N indices or standardisedValues N values.
    static func loss(_ output: Tensor, classes: [Int]?, standardisedValues: [Float]?, regression: RegressionLoss) -> Tensor {
        if let classes { return Loss.crossEntropy(output, targets: classes) }
        let target = Tensor(shape: [standardisedValues!.count, 1], scalars: standardisedValues!)
        switch regression {
        case .meanSquaredError: return Loss.mse(output, target)
        case .huber(let delta): return Loss.huber(output, target, delta: delta)
        }
    }
}
