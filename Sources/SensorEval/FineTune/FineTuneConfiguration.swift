import Foundation

/// Which encoder parameters a fine-tuning run trains.
public enum FineTuneMode: Sendable, Codable, Equatable, Hashable {
    /// A head on frozen embeddings, computed once under no-grad and cached.
    case linearProbe
    /// The last `blocks` encoder blocks (and everything above them) plus the head.
    case partial(blocks: Int)
    /// Every parameter, with learning rate base · decay^(levels above) per encoder depth.
    case full(layerDecay: Float)

    /// A short name for results ("probe", "partial2", "full").
    public var name: String {
        switch self {
        case .linearProbe: "probe"
        case .partial(let blocks): "partial\(blocks)"
        case .full: "full"
        }
    }
}

/// Hyperparameters of one fine-tuning run.
public struct FineTuneConfiguration: Sendable, Codable, Equatable {
    public var mode: FineTuneMode
    public var head: HeadKind
    public var regressionLoss: RegressionLoss
    public var epochs: Int
    public var batchSize: Int
    /// Peak rate of the head (and the base of the encoder's per-depth rates).
    public var learningRate: Float
    public var weightDecay: Float
    /// Share of the steps spent in linear warm-up before the cosine decay.
    public var warmUpFraction: Double
    /// Windows per forward pass when embedding or predicting.
    public var inferenceBatchSize: Int
    public var seed: UInt64

    public init(mode: FineTuneMode = .linearProbe, head: HeadKind = .linear, regressionLoss: RegressionLoss = .meanSquaredError,
                epochs: Int = 20, batchSize: Int = 64, learningRate: Float = 1e-3, weightDecay: Float = 0.01,
                warmUpFraction: Double = 0.1, inferenceBatchSize: Int = 256, seed: UInt64 = 0) {
        precondition(epochs > 0 && batchSize > 0 && inferenceBatchSize > 0,
                     "FineTuneConfiguration: epochs \(epochs), batch size \(batchSize), inference batch \(inferenceBatchSize) must be positive")
        precondition(learningRate > 0 && weightDecay >= 0 && (0..<1).contains(warmUpFraction),
                     "FineTuneConfiguration: learning rate \(learningRate) > 0, weight decay \(weightDecay) >= 0, warm-up \(warmUpFraction) in [0, 1)")
        if case .partial(let blocks) = mode { precondition(blocks >= 0, "FineTuneConfiguration: partial blocks \(blocks) must be >= 0") }
        if case .full(let decay) = mode { precondition(decay > 0 && decay <= 1, "FineTuneConfiguration: layer decay \(decay) must be in (0, 1]") }
        self.mode = mode
        self.head = head
        self.regressionLoss = regressionLoss
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmUpFraction = warmUpFraction
        self.inferenceBatchSize = inferenceBatchSize
        self.seed = seed
    }
}
