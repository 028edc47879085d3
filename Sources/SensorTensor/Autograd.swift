/// How a tensor was computed: the op's inputs and the rule that turns the output's gradient into
/// the inputs' gradients (one entry per input, `nil` where an input needs none).
final class GradFunction {
    let name: String
    let inputs: [Tensor]
    let backward: (Tensor) -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
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
    static func record(_ output: Tensor, op name: String, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.gradFunction = GradFunction(name: name, inputs: inputs, backward: backward)
        return output
    }

    /// Whether this tensor was produced by a recorded op (it is not a leaf of the graph).
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
        let order = topologicalOrder()
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed ?? Tensor(shape: shape, repeating: 1)]
        withNoGrad {
            for node in order.reversed() {
                guard let gradient = gradients.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let function = node.gradFunction else {
                    node.accumulateLeafGradient(gradient)
                    continue
                }
                let inputGradients = function.backward(gradient)
                precondition(inputGradients.count == function.inputs.count,
                             "backward of \(function.name): \(inputGradients.count) gradients for \(function.inputs.count) inputs")
                for (input, inputGradient) in zip(function.inputs, inputGradients) {
                    guard input.requiresGrad, let inputGradient else { continue }
                    precondition(inputGradient.shape == input.shape,
                                 "backward of \(function.name): gradient \(inputGradient.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    gradients[key] = gradients[key].map { $0 + inputGradient } ?? inputGradient
                }
                if !retainGraph { node.gradFunction = nil }
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

    /// Nodes reachable from `self` through tensors that require gradients, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.gradFunction?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
