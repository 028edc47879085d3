import Foundation

/// A learning rate as a function of the optimizer step, set on the optimizer before each step:
/// `optimizer.learningRate = schedule.learningRate(step: optimizer.stepCount)`.
///
/// `step` counts completed updates, so the first update uses `learningRate(step: 0)`.
public protocol LearningRateSchedule: Sendable {
    func learningRate(step: Int) -> Float
}

/// The same rate at every step.
public struct ConstantSchedule: LearningRateSchedule {
    public let rate: Float

    public init(learningRate: Float) {
        precondition(learningRate >= 0, "ConstantSchedule: learning rate must be >= 0, got \(learningRate)")
        rate = learningRate
    }

    public func learningRate(step: Int) -> Float { rate }
}

/// Multiplies the rate by `factor` every `interval` steps: η·factor^⌊step/interval⌋ (PyTorch's StepLR).
public struct StepSchedule: LearningRateSchedule {
    public let initial: Float
    public let interval: Int
    public let factor: Float

    public init(learningRate: Float, interval: Int, factor: Float) {
        precondition(learningRate >= 0, "StepSchedule: learning rate must be >= 0, got \(learningRate)")
        precondition(interval > 0, "StepSchedule: interval must be > 0, got \(interval)")
        precondition(factor > 0, "StepSchedule: factor must be > 0, got \(factor)")
        initial = learningRate
        self.interval = interval
        self.factor = factor
    }

    public func learningRate(step: Int) -> Float {
        Float(Double(initial) * pow(Double(factor), Double(max(step, 0) / interval)))
    }
}

/// Linear warm-up to `peak`, then cosine decay to `minimum` at `totalSteps` (Loshchilov & Hutter,
/// "SGDR", ICLR 2017; warm-up as in Goyal et al., 2017):
///
///     step < warm-up:   peak · (step + 1) / warmUpSteps
///     afterwards:       minimum + (peak − minimum) · ½(1 + cos(π · p)),  p = (step − warmUp) / (total − warmUp)
///
/// and `minimum` from `totalSteps` on.
public struct CosineSchedule: LearningRateSchedule {
    public let peak: Float
    public let minimum: Float
    public let warmUpSteps: Int
    public let totalSteps: Int

    public init(peak: Float, minimum: Float = 0, warmUpSteps: Int, totalSteps: Int) {
        precondition(peak >= 0 && minimum >= 0 && minimum <= peak,
                     "CosineSchedule: need 0 <= minimum <= peak, got minimum \(minimum), peak \(peak)")
        precondition(warmUpSteps >= 0 && totalSteps > warmUpSteps,
                     "CosineSchedule: need 0 <= warmUpSteps < totalSteps, got \(warmUpSteps) and \(totalSteps)")
        self.peak = peak
        self.minimum = minimum
        self.warmUpSteps = warmUpSteps
        self.totalSteps = totalSteps
    }

    public func learningRate(step: Int) -> Float {
        if step < warmUpSteps { return Float(Double(peak) * Double(max(step, 0) + 1) / Double(warmUpSteps)) }
        let progress = min(1, Double(step - warmUpSteps) / Double(totalSteps - warmUpSteps))
        return Float(Double(minimum) + Double(peak - minimum) * 0.5 * (1 + cos(Double.pi * progress)))
    }
}
