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
        let constants = Constants(
            beta1: betas.0, beta2: betas.1, epsilon: epsilon, coupledDecay: coupledDecay,
            shrink: 1 - learningRate * decoupledDecay,
            stepSize: Float(Double(learningRate) / (1 - pow(Double(betas.0), t))),
            inverseRootCorrection: Float(1 / (1 - pow(Double(betas.1), t)).squareRoot()))
        parameter.withUnsafeMutableBufferPointer { parameterBuffer in
            gradient.withUnsafeBufferPointer { gradientBuffer in
                state.firstMoment.withUnsafeMutableBufferPointer { firstBuffer in
                    state.secondMoment.withUnsafeMutableBufferPointer { secondBuffer in
                        let p = parameterBuffer.baseAddress!, g = gradientBuffer.baseAddress!
                        let m = firstBuffer.baseAddress!, v = secondBuffer.baseAddress!
                        Threading.parallelFor(parameterBuffer.count, minimumPerThread: 1 << 16) { range in
                            update(p + range.lowerBound, g + range.lowerBound, m + range.lowerBound, v + range.lowerBound,
                                   count: range.count, constants)
                        }
                    }
                }
            }
        }
    }

    /// The step's scalars, passed by value so the loop keeps them in registers.
    struct Constants {
        var beta1, beta2, epsilon, coupledDecay, shrink, stepSize, inverseRootCorrection: Float
    }

    /// One pass over `count` elements, four lanes at a time. Every operand is a parameter (no
    /// captured context), so the scalars stay in registers. Lanes and the scalar tail compute the
    /// same IEEE operations in the same order, so results do not depend on alignment or chunking.
    @inline(__always)
    private static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                               _ v: UnsafeMutablePointer<Float>, count: Int, _ c: Constants) {
        let beta1 = SIMD4(repeating: c.beta1), beta2 = SIMD4(repeating: c.beta2)
        let keep1 = SIMD4(repeating: 1 - c.beta1), keep2 = SIMD4(repeating: 1 - c.beta2)
        let epsilon = SIMD4(repeating: c.epsilon), decay = SIMD4(repeating: c.coupledDecay)
        let shrink = SIMD4(repeating: c.shrink), stepSize = SIMD4(repeating: c.stepSize)
        let correction = SIMD4(repeating: c.inverseRootCorrection)
        var i = 0
        while i + 4 <= count {
            let parameter = load(p + i), gradient = load(g + i) + decay * parameter
            let first = beta1 * load(m + i) + keep1 * gradient
            let second = beta2 * load(v + i) + keep2 * gradient * gradient
            store(first, m + i)
            store(second, v + i)
            store(parameter * shrink - stepSize * first / (squareRoot(second) * correction + epsilon), p + i)
            i += 4
        }
        while i < count {
            let grad = g[i] + c.coupledDecay * p[i]
            let first = c.beta1 * m[i] + (1 - c.beta1) * grad
            let second = c.beta2 * v[i] + (1 - c.beta2) * grad * grad
            m[i] = first
            v[i] = second
            p[i] = p[i] * c.shrink - c.stepSize * first / (second.squareRoot() * c.inverseRootCorrection + c.epsilon)
            i += 1
        }
    }
}
