import SensorTensor

/// Stochastic gradient descent with heavy-ball momentum (Polyak, 1964), optional Nesterov momentum
/// (Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep
/// learning", ICML 2013) and L2 weight decay, with PyTorch's update rule:
///
///     g ← g + λ·θ
///     b ← g                      on a parameter's first update, else  b ← μ·b + (1 − τ)·g
///     g ← g + μ·b  (Nesterov)    or  g ← b
///     θ ← θ − η·g
public final class SGD: BaseOptimizer<SGD.State> {
    /// The momentum buffer `b` (absent when momentum is 0).
    public struct State: OptimizerState {
        public var step = 0
        public var momentumBuffer: Tensor?
        public var namedTensors: [(String, Tensor)] { momentumBuffer.map { [("momentum_buffer", $0)] } ?? [] }
    }

    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float

    /// - Parameters:
    ///   - momentum: μ in [0, 1).
    ///   - dampening: τ in [0, 1]; must be 0 with Nesterov momentum.
    ///   - weightDecay: λ ≥ 0, applied to the parameters `decayFilter` accepts (all by default).
    public init(parameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0,
                decayFilter: (String, Tensor) -> Bool = { _, _ in true }) {
        precondition((0..<1).contains(momentum), "SGD: momentum must be in [0, 1), got \(momentum)")
        precondition((0...1).contains(dampening), "SGD: dampening must be in [0, 1], got \(dampening)")
        precondition(weightDecay >= 0, "SGD: weight decay must be >= 0, got \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum needs momentum > 0 and dampening 0, got \(momentum) and \(dampening)")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        super.init(parameters: parameters, learningRate: learningRate, decayFilter: decayFilter)
    }

    public override func makeState(for parameter: Tensor) -> State {
        State(momentumBuffer: momentum > 0 ? Tensor.zeros(parameter.shape) : nil)
    }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: inout State, context: ParameterContext) {
        let constants = Constants(learningRate: context.learningRate, decay: context.appliesWeightDecay ? weightDecay : 0,
                                  momentum: momentum, keep: 1 - dampening)
        let first = state.step == 1, nesterov = nesterov
        let buffer = state.momentumBuffer
        parameter.withUnsafeMutableBufferPointer { parameterBuffer in
            gradient.withUnsafeBufferPointer { gradientBuffer in
                let p = parameterBuffer.baseAddress!, g = gradientBuffer.baseAddress!
                guard let buffer else {
                    Threading.parallelFor(parameterBuffer.count, minimumPerThread: 1 << 16) { range in
                        SGD.descend(p + range.lowerBound, g + range.lowerBound, count: range.count, constants)
                    }
                    return
                }
                buffer.withUnsafeMutableBufferPointer { momentumBuffer in
                    let b = momentumBuffer.baseAddress!
                    Threading.parallelFor(parameterBuffer.count, minimumPerThread: 1 << 16) { range in
                        let start = range.lowerBound
                        switch (first, nesterov) {
                        case (true, false): SGD.momentumStep(p + start, g + start, b + start, count: range.count, constants, first: true, nesterov: false)
                        case (true, true): SGD.momentumStep(p + start, g + start, b + start, count: range.count, constants, first: true, nesterov: true)
                        case (false, false): SGD.momentumStep(p + start, g + start, b + start, count: range.count, constants, first: false, nesterov: false)
                        case (false, true): SGD.momentumStep(p + start, g + start, b + start, count: range.count, constants, first: false, nesterov: true)
                        }
                    }
                }
            }
        }
    }

    /// The step's scalars, passed by value so the loops keep them in registers.
    struct Constants {
        var learningRate, decay, momentum, keep: Float
    }

    /// θ ← θ − η(g + λθ) over `count` elements.
    private static func descend(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int, _ c: Constants) {
        for i in 0..<count { p[i] -= c.learningRate * (g[i] + c.decay * p[i]) }
    }

    /// The momentum update over `count` elements. `first` and `nesterov` are constants at every
    /// call site, so each of the four specialisations is a branch-free loop that vectorises.
    @inline(__always)
    private static func momentumStep(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>,
                                     count: Int, _ c: Constants, first: Bool, nesterov: Bool) {
        for i in 0..<count {
            let direction = g[i] + c.decay * p[i]
            let velocity = first ? direction : c.momentum * b[i] + c.keep * direction
            b[i] = velocity
            p[i] -= c.learningRate * (nesterov ? direction + c.momentum * velocity : velocity)
        }
    }
}
