import SensorTensor

/// What a trainer and a checkpoint need from any optimizer.
public protocol Optimizer: AnyObject {
    /// The learning rate of the next `step()`; schedules set it before each step.
    var learningRate: Float { get set }
    /// Number of `step()` calls so far (restored from checkpoints).
    var stepCount: Int { get }
    /// Updates every parameter that has a gradient, in place.
    func step()
    /// Clears the gradients of the optimized parameters.
    func zeroGrad()
    /// The per-parameter state as named tensors, for checkpoints.
    func exportState() -> OptimizerSnapshot
    /// Compares a snapshot with this optimizer's parameters without changing anything.
    func stateMismatch(_ snapshot: OptimizerSnapshot) -> StateMismatch
    /// Replaces the state with `snapshot`'s; throws a `StateMismatch` (and changes nothing) when
    /// names or shapes differ.
    func importState(_ snapshot: OptimizerSnapshot) throws
}

/// An optimizer's state in checkpoint form: tensors named `"<parameter>.<state>"` (PyTorch's names:
/// `exp_avg`, `exp_avg_sq`, `momentum_buffer`), the update count of each parameter, and the step count.
/// Mismatch reports name a parameter's update count `"<parameter>.step"`.
public struct OptimizerSnapshot: @unchecked Sendable {
    public var stepCount: Int
    public var tensors: [String: Tensor]
    /// Updates applied to each parameter so far, by parameter name (Adam's bias correction uses it).
    public var parameterSteps: [String: Int]

    public init(stepCount: Int, tensors: [String: Tensor], parameterSteps: [String: Int]) {
        self.stepCount = stepCount
        self.tensors = tensors
        self.parameterSteps = parameterSteps
    }
}

/// Per-parameter optimizer state (moment estimates, momentum buffers).
public protocol OptimizerState {
    /// Updates applied to this parameter so far.
    var step: Int { get set }
    /// The state's tensors under their checkpoint names; importing copies into these in place.
    var namedTensors: [(String, Tensor)] { get }
}

/// What an update of one parameter may depend on besides its state.
public struct ParameterContext: Sendable {
    public var name: String
    public var learningRate: Float
    /// Whether weight decay applies to this parameter (see `BaseOptimizer`'s `decayFilter`).
    public var appliesWeightDecay: Bool
}

/// The shared machinery of the optimizers: a named parameter list, lazily made per-parameter state,
/// the step loop, and state export/import. A concrete optimizer overrides two hooks:
/// `makeState(for:)` (new state for a parameter) and `update(_:gradient:state:context:)` (one
/// in-place update of one parameter).
open class BaseOptimizer<State: OptimizerState>: Optimizer {
    public let namedParameters: [(String, Tensor)]
    public var learningRate: Float
    public private(set) var stepCount = 0
    private let decays: [Bool]
    private var states: [State?]

    /// - Parameters:
    ///   - parameters: the tensors to optimize with their names (`module.namedParameters()`).
    ///   - decayFilter: whether weight decay applies to a parameter, given its name and tensor.
    public init(parameters: [(String, Tensor)], learningRate: Float, decayFilter: (String, Tensor) -> Bool) {
        precondition(learningRate >= 0, "\(Self.self): learning rate must be >= 0, got \(learningRate)")
        precondition(Set(parameters.map { $0.0 }).count == parameters.count,
                     "\(Self.self): parameter names must be unique")
        namedParameters = parameters
        self.learningRate = learningRate
        decays = parameters.map { decayFilter($0.0, $0.1) }
        states = Array(repeating: nil, count: parameters.count)
    }

    /// Hook 1: the initial state of `parameter` (zeroed moments of its shape).
    open func makeState(for parameter: Tensor) -> State {
        preconditionFailure("\(Self.self) must override makeState(for:)")
    }

    /// Hook 2: updates `parameter` in place from `gradient` (same shape), advancing `state`.
    /// `state.step` has already been incremented for this update.
    open func update(_ parameter: Tensor, gradient: Tensor, state: inout State, context: ParameterContext) {
        preconditionFailure("\(Self.self) must override update(_:gradient:state:context:)")
    }

    public func step() {
        stepCount += 1
        withNoGrad {
            for (index, (name, parameter)) in namedParameters.enumerated() {
                guard let gradient = parameter.grad else { continue }
                precondition(gradient.shape == parameter.shape,
                             "\(Self.self).step: gradient \(gradient.shape) for parameter \(name) \(parameter.shape)")
                var state = states[index] ?? makeState(for: parameter)
                state.step += 1
                let context = ParameterContext(name: name, learningRate: learningRate, appliesWeightDecay: decays[index])
                update(parameter, gradient: gradient, state: &state, context: context)
                states[index] = state
            }
        }
    }

    public func zeroGrad() {
        for (_, parameter) in namedParameters { parameter.grad = nil }
    }

    public func exportState() -> OptimizerSnapshot {
        var tensors: [String: Tensor] = [:]
        var steps: [String: Int] = [:]
        for ((name, _), state) in zip(namedParameters, states) {
            guard let state else { continue }
            steps[name] = state.step
            for (stateName, tensor) in state.namedTensors { tensors["\(name).\(stateName)"] = tensor.copy() }
        }
        return OptimizerSnapshot(stepCount: stepCount, tensors: tensors, parameterSteps: steps)
    }

    public func stateMismatch(_ snapshot: OptimizerSnapshot) -> StateMismatch {
        prepareStates(snapshot).mismatch
    }

    public func importState(_ snapshot: OptimizerSnapshot) throws {
        let (prepared, mismatch) = prepareStates(snapshot)
        guard mismatch.isEmpty else { throw mismatch }
        states = prepared
        stepCount = snapshot.stepCount
    }

    /// Builds the states a snapshot describes in fresh tensors, and what does not match. Parameters
    /// without a saved step count have not been updated yet and get no state.
    private func prepareStates(_ snapshot: OptimizerSnapshot) -> (states: [State?], mismatch: StateMismatch) {
        var mismatch = StateMismatch()
        var used = Set<String>()
        var prepared: [State?] = []
        for (name, parameter) in namedParameters {
            guard let step = snapshot.parameterSteps[name] else { prepared.append(nil); continue }
            used.insert(name)
            var state = makeState(for: parameter)
            state.step = step
            for (stateName, tensor) in state.namedTensors {
                let key = "\(name).\(stateName)"
                guard let saved = snapshot.tensors[key] else { mismatch.missing.append(key); continue }
                used.insert(key)
                if saved.shape != tensor.shape {
                    mismatch.shapeMismatches.append(.init(name: key, expected: tensor.shape, found: saved.shape))
                } else {
                    tensor.assign(saved)
                }
            }
            prepared.append(state)
        }
        let known = Set(namedParameters.map { $0.0 })
        mismatch.unexpected += snapshot.parameterSteps.keys.filter { !known.contains($0) }.map { "\($0).step" }.sorted()
        mismatch.unexpected += snapshot.tensors.keys.filter { !used.contains($0) }.sorted()
        return (prepared, mismatch)
    }
}
