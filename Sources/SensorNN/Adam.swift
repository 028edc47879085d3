import Foundation
import SensorTensor

/// The moment estimates of Adam and AdamW for one parameter.
public struct AdamState: OptimizerState {
    public var step = 0
    /// First moment m (PyTorch's `exp_avg`).
    public var firstMoment: Tensor
    /// Second raw moment v (PyTorch's `exp_avg_sq`).
    public var secondMoment: Tensor
    public var namedTensors: [(String, Tensor)] { [("exp_avg", firstMoment), ("exp_avg_sq", secondMoment)] }

    init(like parameter: Tensor) {
        firstMoment = Tensor.zeros(parameter.shape)
        secondMoment = Tensor.zeros(parameter.shape)
    }
}

/// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with L2 weight decay
/// added to the gradient, as PyTorch's `Adam`:
///
///     g ← g + λ·θ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
///     θ ← θ − η/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
public final class Adam: BaseOptimizer<AdamState> {
    public let betas: (Float, Float)
    public let epsilon: Float
    public let weightDecay: Float

    /// - Parameters:
    ///   - betas: β₁, β₂ in [0, 1).
    ///   - epsilon: ε > 0.
    ///   - weightDecay: λ ≥ 0 for the parameters `decayFilter` accepts (all by default).
    public init(parameters: [(String, Tensor)], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                epsilon: Float = 1e-8, weightDecay: Float = 0,
                decayFilter: (String, Tensor) -> Bool = { _, _ in true }) {
        AdamKernel.checkHyperparameters(optimizer: "Adam", betas: betas, epsilon: epsilon, weightDecay: weightDecay)
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        super.init(parameters: parameters, learningRate: learningRate, decayFilter: decayFilter)
    }

    public override func makeState(for parameter: Tensor) -> AdamState { AdamState(like: parameter) }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: inout AdamState, context: ParameterContext) {
        AdamKernel.apply(parameter: parameter, gradient: gradient, state: state, learningRate: context.learningRate,
                         betas: betas, epsilon: epsilon,
                         coupledDecay: context.appliesWeightDecay ? weightDecay : 0, decoupledDecay: 0)
    }
}

/// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019): Adam whose
/// weight decay shrinks the parameter directly, θ ← θ·(1 − ηλ), instead of entering the moments.
///
/// By default only parameters of rank ≥ 2 (weight matrices, kernels, embeddings) decay; biases and
/// normalisation scales (rank 1) do not. Pass `decayFilter` to choose by name instead.
public final class AdamW: BaseOptimizer<AdamState> {
    public let betas: (Float, Float)
    public let epsilon: Float
    public let weightDecay: Float

    /// - Parameters:
    ///   - betas: β₁, β₂ in [0, 1).
    ///   - epsilon: ε > 0.
    ///   - weightDecay: λ ≥ 0 (PyTorch's default 0.01).
    public init(parameters: [(String, Tensor)], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                epsilon: Float = 1e-8, weightDecay: Float = 0.01,
                decayFilter: (String, Tensor) -> Bool = { _, tensor in tensor.rank >= 2 }) {
        AdamKernel.checkHyperparameters(optimizer: "AdamW", betas: betas, epsilon: epsilon, weightDecay: weightDecay)
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        super.init(parameters: parameters, learningRate: learningRate, decayFilter: decayFilter)
    }

    public override func makeState(for parameter: Tensor) -> AdamState { AdamState(like: parameter) }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: inout AdamState, context: ParameterContext) {
        AdamKernel.apply(parameter: parameter, gradient: gradient, state: state, learningRate: context.learningRate,
                         betas: betas, epsilon: epsilon,
                         coupledDecay: 0, decoupledDecay: context.appliesWeightDecay ? weightDecay : 0)
    }
}

/// The fused Adam/AdamW update: one pass over parameter, gradient and both moments, no temporaries.
enum AdamKernel {
    static func checkHyperparameters(optimizer: String, betas: (Float, Float), epsilon: Float, weightDecay: Float) {
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1),
                     "\(optimizer): betas must be in [0, 1), got \(betas)")
        precondition(epsilon > 0, "\(optimizer): epsilon must be > 0, got \(epsilon)")
        precondition(weightDecay >= 0, "\(optimizer): weight decay must be >= 0, got \(weightDecay)")
    }

    static func apply(parameter: Tensor, gradient: Tensor, state: AdamState, learningRate: Float,
                      betas: (Float, Float), epsilon: Float, coupledDecay: Float, decoupledDecay: Float) {
        let t = Double(state.step)
        // Bias corrections in Double once per step; the loop stays in Float.
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(betas.0), t)))
        let inverseRootCorrection = Float(1 / (1 - pow(Double(betas.1), t)).squareRoot())
        let shrink = 1 - learningRate * decoupledDecay
        let beta1 = betas.0, beta2 = betas.1, keep1 = 1 - betas.0, keep2 = 1 - betas.1
        parameter.withUnsafeMutableBufferPointer { parameterBuffer in
            gradient.withUnsafeBufferPointer { gradientBuffer in
                state.firstMoment.withUnsafeMutableBufferPointer { firstBuffer in
                    state.secondMoment.withUnsafeMutableBufferPointer { secondBuffer in
                        let p = parameterBuffer.baseAddress!, g = gradientBuffer.baseAddress!
                        let m = firstBuffer.baseAddress!, v = secondBuffer.baseAddress!
                        Threading.parallelFor(parameterBuffer.count, minimumPerThread: 1 << 15) { range in
                            for i in range {
                                let grad = g[i] + coupledDecay * p[i]
                                let first = beta1 * m[i] + keep1 * grad
                                let second = beta2 * v[i] + keep2 * grad * grad
                                m[i] = first
                                v[i] = second
                                let denominator = second.squareRoot() * inverseRootCorrection + epsilon
                                p[i] = p[i] * shrink - stepSize * first / denominator
                            }
                        }
                    }
                }
            }
        }
    }
}
