/// How a tensor was computed: one edge per op input, and the rule that turns the output's gradient
/// into the inputs' gradients (one entry per input, `nil` where an input needs none).
///
/// Edges point at the inputs' own grad functions (or at leaf tensors), never at intermediate
/// tensors, so an intermediate result is freed as soon as neither the user nor a backward rule
/// holds it: an op's backward keeps only what its formula reads (PyTorch's saved tensors).
final class GradFunction {
    let name: String
    private(set) var edges: [GradEdge]
    private(set) var backward: ((Tensor) -> [Tensor?])?

    init(name: String, edges: [GradEdge], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.edges = edges
        self.backward = backward
    }

    /// Drops the backward rule and the edges, releasing everything they kept alive.
    func release() {
        edges = []
        backward = nil
    }
}

/// Where an input's gradient goes.
enum GradEdge {
    /// The input needs no gradient.
    case none
    /// A leaf (a parameter or an input that asked for gradients): accumulate into its `grad`.
    case leaf(Tensor)
    /// An intermediate result of shape `shape`: pass the gradient on to the op that made it.
    case node(GradFunction, shape: [Int])
}

/// Whether ops record the graph. Task-local, so a no-grad scope on one thread does not switch
/// recording off for another.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording a graph (evaluation, optimizer updates, gradient formulas).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// Wraps a freshly computed `output` as the result of op `name`: when recording is on and an
    /// input requires gradients, the output remembers `backward` so `backward()` can reach the inputs.
    /// `backward` should capture only what its formula reads (shapes rather than whole tensors).
    static func record(_ output: Tensor, op name: String, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        let edges: [GradEdge] = inputs.map { input in
            guard input.requiresGrad else { return .none }
            if let function = input.gradFunction { return .node(function, shape: input.shape) }
            return .leaf(input)
        }
        output.requiresGrad = true
        output.gradFunction = GradFunction(name: name, edges: edges, backward: backward)
        return output
    }

    /// Whether this tensor was not produced by a recorded op (it is a leaf of the graph).
    public var isLeaf: Bool { gradFunction == nil }

    /// Back-propagates from this tensor through the recorded graph, adding into the `grad` of
    /// every leaf that requires gradients. A non-scalar tensor needs an explicit seed `gradient`
    /// of its own shape. The graph is released afterwards unless `retainGraph` is set.
    public func backward(gradient seed: Tensor? = nil, retainGraph: Bool = false) {
        precondition(requiresGrad, "backward: tensor of shape \(shape) does not require gradients")
        if let seed {
            precondition(seed.shape == shape, "backward: seed gradient \(seed.shape) does not match tensor \(shape)")
        } else {
            precondition(count == 1, "backward: tensor of shape \(shape) is not a scalar; pass a seed gradient")
        }
        let initial = seed ?? Tensor(shape: shape, repeating: 1)
        guard let root = gradFunction else {
            withNoGrad { accumulateLeafGradient(initial) }
            return
        }
        precondition(root.backward != nil, "backward: the graph of this \(shape) tensor was already released; pass retainGraph: true to the first backward")
        let order = Tensor.topologicalOrder(from: root)
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): initial]
        withNoGrad {
            for function in order.reversed() {
                guard let gradient = gradients.removeValue(forKey: ObjectIdentifier(function)),
                      let rule = function.backward else { continue }
                let inputGradients = rule(gradient)
                precondition(inputGradients.count == function.edges.count,
                             "backward of \(function.name): \(inputGradients.count) gradients for \(function.edges.count) inputs")
                for (edge, inputGradient) in zip(function.edges, inputGradients) {
                    guard let inputGradient else { continue }
                    switch edge {
                    case .none:
                        continue
                    case .leaf(let tensor):
                        precondition(inputGradient.shape == tensor.shape,
                                     "backward of \(function.name): gradient \(inputGradient.shape) for input \(tensor.shape)")
                        tensor.accumulateLeafGradient(inputGradient)
                    case .node(let next, let inputShape):
                        precondition(inputGradient.shape == inputShape,
                                     "backward of \(function.name): gradient \(inputGradient.shape) for input \(inputShape)")
                        let key = ObjectIdentifier(next)
                        gradients[key] = gradients[key].map { $0 + inputGradient } ?? inputGradient
                    }
                }
                if !retainGraph { function.release() }
            }
        }
    }

    /// Adds `gradient` into `grad`. The first gradient is copied because gradient formulas may
    /// return one tensor for several inputs, and optimizers modify `grad` in place.
    private func accumulateLeafGradient(_ gradient: Tensor) {
        if let existing = grad {
            existing.withUnsafeMutableBufferPointer { target in
                gradient.withUnsafeBufferPointer { source in
                    for i in 0..<target.count { target[i] += source[i] }
                }
            }
        } else {
            grad = gradient.copy()
        }
    }

    /// Grad functions reachable from `root`, inputs before outputs.
    private static func topologicalOrder(from root: GradFunction) -> [GradFunction] {
        var order: [GradFunction] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradFunction, Bool)] = [(root, false)]
        while let (function, expanded) = stack.popLast() {
            if expanded { order.append(function); continue }
            guard visited.insert(ObjectIdentifier(function)).inserted else { continue }
            stack.append((function, true))
            for case .node(let input, _) in function.edges where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
