import SensorNN
import SensorTensor
import Testing

/// Three steps of each optimizer on a fixed [4, 3] weight and [3] bias with fixed gradients,
/// against torch.optim (fixture "optimizers"): parameters after every step and the final state
/// under PyTorch's names (`momentum_buffer`, `exp_avg`, `exp_avg_sq`). Also global-norm clipping.
@Suite struct ParityOptimizerTests {
    static let fixture = "optimizers"
    static let steps = 3

    /// Builds the optimizer of each case over the named parameters, with the script's settings.
    static let optimizers: [String: @Sendable ([(String, Tensor)]) -> any Optimizer] = [
        "sgd_momentum": { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, dampening: 0.1) },
        "sgd_nesterov": { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01) },
        "adam": { Adam(parameters: $0, learningRate: 0.01, betas: (0.9, 0.99), epsilon: 1e-8, weightDecay: 0.01) },
        // Default decay filter: the matrix decays, the rank-1 bias does not (as the script's groups).
        "adamw": { AdamW(parameters: $0, learningRate: 0.01, betas: (0.9, 0.999), epsilon: 1e-8, weightDecay: 0.1) },
    ]

    @Test(arguments: optimizers.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        let c = try ParityCase(fixture: Self.fixture, name: name)
        let parameters = try ["weight", "bias"].map { ($0, try c.tensor("param.\($0)", requiresGrad: true)) }
        let optimizer = Self.optimizers[name]!(parameters)
        for step in 1...Self.steps {
            for (parameterName, parameter) in parameters {
                parameter.grad = try c.tensor("step\(step).grad.\(parameterName)")
            }
            optimizer.step()
            for (parameterName, parameter) in parameters {
                try c.expectMatch(parameter, "step\(step).param.\(parameterName)")
            }
        }
        let state = optimizer.exportState()
        #expect(state.stepCount == Self.steps)
        #expect(state.tensors.keys.sorted() == c.keys(under: "state.").sorted(),
                "\(name): Swift state \(state.tensors.keys.sorted()), PyTorch state \(c.keys(under: "state.").sorted())")
        for (key, tensor) in state.tensors where c.contains("state.\(key)") {
            try c.expectMatch(tensor, "state.\(key)")
        }
    }

    @Test func clipGradientNormMatchesPyTorch() throws {
        let c = try ParityCase(fixture: Self.fixture, name: "clip_grad_norm")
        let parameters = try ["weight", "bias"].map { name -> Tensor in
            let gradient = try c.tensor("grad.\(name)")
            let parameter = Tensor.zeros(gradient.shape, requiresGrad: true)
            parameter.grad = gradient
            return parameter
        }
        let norm = clipGradientNorm(parameters, maxNorm: 1.5)
        try c.expectMatch(Tensor(norm), "norm")
        try c.expectMatch(parameters[0].grad, "clipped.weight")
        try c.expectMatch(parameters[1].grad, "clipped.bias")
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Array(Self.optimizers.keys) + ["clip_grad_norm"])
    }
}
