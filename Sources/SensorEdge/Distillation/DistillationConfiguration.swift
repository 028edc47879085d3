/// How a student learns from its teacher (Hinton, Vinyals & Dean, 2015; FitNets-style feature hints,
/// Romero et al., 2015): loss = α·T²·KL(teacher_T ‖ student_T) + (1 − α)·CE(labels) + β·feature term.
public struct DistillationConfiguration: Sendable, Codable, Equatable {
    /// How the projected student embedding is compared with the teacher's.
    public enum FeatureLoss: String, Sendable, Codable, Equatable {
        /// 1 − cosine similarity, averaged over windows (scale-free: the teacher's norm does not matter).
        case cosine
        /// Mean squared error over every embedding value.
        case meanSquaredError = "mse"
    }

    /// Softening temperature T of both logit distributions.
    public var temperature: Float
    /// α: weight of the logit-distillation term; 1 − α weighs cross-entropy on the labelled windows.
    public var logitWeight: Float
    /// β: weight of the feature term (0 turns feature distillation and its projection off).
    public var featureWeight: Float
    public var featureLoss: FeatureLoss
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var weightDecay: Float
    public var seed: UInt64

    public init(temperature: Float = 4, logitWeight: Float = 0.7, featureWeight: Float = 0, featureLoss: FeatureLoss = .cosine,
                epochs: Int = 10, batchSize: Int = 32, learningRate: Float = 3e-3, weightDecay: Float = 1e-4, seed: UInt64 = 0) {
        precondition(temperature > 0, "DistillationConfiguration: temperature must be > 0, got \(temperature)")
        precondition((0...1).contains(logitWeight), "DistillationConfiguration: logit weight must be in [0, 1], got \(logitWeight)")
        precondition(featureWeight >= 0, "DistillationConfiguration: feature weight must be >= 0, got \(featureWeight)")
        precondition(epochs > 0 && batchSize > 0, "DistillationConfiguration: epochs \(epochs) and batch size \(batchSize) must be > 0")
        precondition(learningRate > 0 && weightDecay >= 0,
                     "DistillationConfiguration: learning rate \(learningRate) must be > 0 and weight decay \(weightDecay) >= 0")
        self.temperature = temperature
        self.logitWeight = logitWeight
        self.featureWeight = featureWeight
        self.featureLoss = featureLoss
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
    }
}
