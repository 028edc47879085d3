import Testing
import SensorTensor
@testable import SensorNN

/// Runs `optimizer` for one step per gradient value, setting every element of every parameter's
/// gradient to that value (so updates can be computed by hand), and returns each parameter's value
/// after each step. Parameters start uniform and have sizes that are not multiples of the kernels'
/// four lanes, so every element (vector lanes and scalar tail alike) must hold the same value.
private func run(_ optimizer: some Optimizer, parameters: [Tensor], gradients: [Float],
                 sourceLocation: SourceLocation = #_sourceLocation) -> [[Float]] {
    gradients.map { value in
        for parameter in parameters { parameter.grad = Tensor(shape: parameter.shape, repeating: value) }
        optimizer.step()
        for parameter in parameters {
            #expect(Set(parameter.scalars).count == 1, "lanes and tail agree: \(parameter.scalars)", sourceLocation: sourceLocation)
        }
        return parameters.map { $0.scalars[0] }
    }
}

/// A 2-D weight (decayed by AdamW's default) and a 1-D bias (not decayed), both starting at 1.
private func weightAndBias() -> (Tensor, Tensor) {
    (Tensor.ones([3, 3], requiresGrad: true), Tensor.ones([7], requiresGrad: true))
}

/// A tiny regression model and its data, fixed by `seed`.
private func tinyProblem(seed: UInt64) -> (MLP, Tensor, Tensor) {
    var generator = RandomGenerator(seed: seed)
    let model = MLP(dimensions: [3, 16, 1], activation: .tanh, generator: &generator)
    let inputs = Tensor.uniform([8, 3], low: -1, high: 1, generator: &generator)
    let targets = Tensor.uniform([8, 1], low: -1, high: 1, generator: &generator)
    return (model, inputs, targets)
}

@Suite struct NNOptimizerTests {
    @Test func sgdPlainAndNesterovMatchClosedForms() {
        let plain = Tensor.ones([5], requiresGrad: true)
        // θ − η(g + λθ) = 1 − 0.1·(0.5 + 0.1)
        expectValues(Tensor(shape: [1], scalars: run(SGD(parameters: [("p", plain)], learningRate: 0.1, weightDecay: 0.1),
                                                    parameters: [plain], gradients: [0.5])[0]), [0.94])

        let parameter = Tensor.ones([5], requiresGrad: true)
        let optimizer = SGD(parameters: [("p", parameter)], learningRate: 0.1, momentum: 0.9, nesterov: true)
        // g = 1 each step. b₁ = 1, θ₁ = 1 − 0.1(1 + 0.9) = 0.81; b₂ = 1.9, θ₂ = 0.81 − 0.1(1 + 1.71) = 0.539;
        // b₃ = 2.71, θ₃ = 0.539 − 0.1(1 + 2.439) = 0.1951.
        let values = run(optimizer, parameters: [parameter], gradients: [1, 1, 1]).map { $0[0] }
        expectValues(Tensor(shape: [3], scalars: values), [0.81, 0.539, 0.1951])
        expectValues(optimizer.exportState().tensors["p.momentum_buffer"]!, [Float](repeating: 2.71, count: 5))
    }

    @Test func sgdMomentumWithDampening() {
        let parameter = Tensor.ones([6], requiresGrad: true)
        let optimizer = SGD(parameters: [("p", parameter)], learningRate: 0.1, momentum: 0.5, dampening: 0.5)
        // b₁ = g = 2 (no dampening on the first step), θ₁ = 0.8; b₂ = 0.5·2 + 0.5·2 = 2, θ₂ = 0.6
        let values = run(optimizer, parameters: [parameter], gradients: [2, 2]).map { $0[0] }
        expectValues(Tensor(shape: [2], scalars: values), [0.8, 0.6])
    }

    @Test func adamBiasCorrectionMatchesHandComputation() {
        let parameter = Tensor.ones([7], requiresGrad: true)
        let optimizer = Adam(parameters: [("p", parameter)], learningRate: 0.1)
        // t = 1, g = 1: m̂ = 1, v̂ = 1, θ = 1 − 0.1.
        // t = 2, g = 2: m = 0.09 + 0.2 = 0.29, v = 0.000999 + 0.004 = 0.004999,
        //   m̂ = 0.29/0.19, v̂ = 0.004999/0.001999, θ = 0.9 − 0.1·m̂/√v̂ = 0.803481799.
        // t = 3, g = −0.5: m = 0.211, v = 0.005244001, m̂ = 0.211/0.271, v̂ = 0.005244001/0.002997001,
        //   θ = 0.744621126.
        let values = run(optimizer, parameters: [parameter], gradients: [1, 2, -0.5]).map { $0[0] }
        expectValues(Tensor(shape: [3], scalars: values), [0.9, 0.803481799, 0.744621126], tolerance: 2e-6)
        #expect(optimizer.stepCount == 3)
    }

    @Test func adamWDecaysWeightsButNotBiasesOrNorms() {
        let (weight, bias) = weightAndBias()
        let optimizer = AdamW(parameters: [("weight", weight), ("bias", bias)], learningRate: 0.1, weightDecay: 0.5)
        // Constant g: the bias-corrected step is η·g/|g| = 0.1. Weight: θ ← 0.95θ − 0.1 each step.
        let values = run(optimizer, parameters: [weight, bias], gradients: [0.5, 0.5, 0.5])
        expectValues(Tensor(shape: [3], scalars: values.map { $0[0] }), [0.85, 0.7075, 0.572125])
        expectValues(Tensor(shape: [3], scalars: values.map { $0[1] }), [0.9, 0.8, 0.7])
    }

    @Test func adamWDecayFilterByName() {
        let (weight, bias) = weightAndBias()
        let optimizer = AdamW(parameters: [("weight", weight), ("bias", bias)], learningRate: 0.1, weightDecay: 0.5,
                              decayFilter: { name, _ in name == "bias" })
        let values = run(optimizer, parameters: [weight, bias], gradients: [0.5])
        expectValues(Tensor(shape: [2], scalars: values[0]), [0.9, 0.85])
    }

    @Test func parametersWithoutGradientsAreSkipped() {
        let (weight, bias) = weightAndBias()
        let optimizer = AdamW(parameters: [("weight", weight), ("bias", bias)], learningRate: 0.1)
        weight.grad = Tensor.ones([3, 3])
        optimizer.step()
        #expect(bias.scalars == [Float](repeating: 1, count: 7))
        #expect(optimizer.exportState().parameterSteps == ["weight": 1])
    }

    @Test func schedulesAtKnownSteps() {
        let cosine = CosineSchedule(peak: 1, minimum: 0.1, warmUpSteps: 10, totalSteps: 110)
        let steps = [0, 4, 9, 10, 60, 110, 500]
        // warm-up (s + 1)/10; then 0.1 + 0.9·½(1 + cos(π·p)): p = 0, ½, 1, past the end.
        expectValues(Tensor(shape: [7], scalars: steps.map { cosine.learningRate(step: $0) }), [0.1, 0.5, 1, 1, 0.55, 0.1, 0.1])
        expectValues(Tensor(shape: [1], scalars: [cosine.learningRate(step: 35)]),
                     [Float(0.1 + 0.9 * 0.5 * (1 + 0.5.squareRoot()))], "p = ¼: cos(π/4) = √½")
        let stepped = StepSchedule(learningRate: 1, interval: 10, factor: 0.5)
        #expect([0, 9, 10, 25].map { stepped.learningRate(step: $0) } == [1, 1, 0.5, 0.25])
        #expect(ConstantSchedule(learningRate: 0.3).learningRate(step: 1000) == 0.3)
    }

    @Test func gradientClippingScalesToTheGlobalNorm() {
        let a = Tensor.zeros([2], requiresGrad: true), b = Tensor.zeros([1], requiresGrad: true)
        let untouched = Tensor.zeros([3], requiresGrad: true)
        a.grad = Tensor(shape: [2], scalars: [3, 4])
        b.grad = Tensor(shape: [1], scalars: [12])
        #expect(clipGradientNorm([a, b, untouched], maxNorm: 20) == 13)
        #expect(a.grad!.scalars == [3, 4], "no change below the limit")
        #expect(clipGradientNorm([a, b, untouched], maxNorm: 6.5) == 13)
        expectValues(a.grad!, [1.5, 2])
        expectValues(b.grad!, [6])
        #expect(untouched.grad == nil)
    }

    @Test func exportedStateResumesIdentically() throws {
        let (model, inputs, targets) = tinyProblem(seed: 1)
        let optimizer = AdamW(parameters: model.namedParameters(), learningRate: 0.01)
        func trainStep(_ model: MLP, _ optimizer: some Optimizer) {
            optimizer.zeroGrad()
            Loss.mse(model(inputs), targets).backward()
            optimizer.step()
        }
        for _ in 0..<3 { trainStep(model, optimizer) }
        let (copy, _, _) = tinyProblem(seed: 2)
        try copy.loadState(model.state())
        let resumed = AdamW(parameters: copy.namedParameters(), learningRate: 0.01)
        try resumed.importState(optimizer.exportState())
        #expect(resumed.stepCount == 3)
        for _ in 0..<2 {
            trainStep(model, optimizer)
            trainStep(copy, resumed)
        }
        for ((name, a), (_, b)) in zip(model.namedParameters(), copy.namedParameters()) {
            #expect(a.scalars == b.scalars, "\(name)")
        }
    }

    @Test func importRejectsMismatchingStateAndKeepsItsOwn() {
        let (model, _, _) = tinyProblem(seed: 3)
        let optimizer = Adam(parameters: model.namedParameters())
        var snapshot = OptimizerSnapshot(stepCount: 4, tensors: [:], parameterSteps: ["layers.0.weight": 4, "ghost": 1])
        snapshot.tensors["layers.0.weight.exp_avg"] = Tensor.zeros([16, 3])
        snapshot.tensors["layers.0.weight.exp_avg_sq"] = Tensor.zeros([3, 16])
        #expect(throws: StateMismatch(missing: [], unexpected: ["ghost.step"],
                                      shapeMismatches: [.init(name: "layers.0.weight.exp_avg_sq", expected: [16, 3], found: [3, 16])])) {
            try optimizer.importState(snapshot)
        }
        #expect(optimizer.stepCount == 0)
        #expect(optimizer.exportState().tensors.isEmpty)
    }

    @Test func fiftyAdamWStepsAreBitIdenticalAcrossRuns() {
        func train() -> [[Float]] {
            let (model, inputs, targets) = tinyProblem(seed: 7)
            let optimizer = AdamW(parameters: model.namedParameters(), learningRate: 0.01, weightDecay: 0.05)
            let schedule = CosineSchedule(peak: 0.01, warmUpSteps: 5, totalSteps: 50)
            for step in 0..<50 {
                optimizer.learningRate = schedule.learningRate(step: step)
                optimizer.zeroGrad()
                Loss.mse(model(inputs), targets).backward()
                clipGradientNorm(model.parameters(), maxNorm: 1)
                optimizer.step()
            }
            return model.parameters().map { $0.scalars }
        }
        let first = train(), second = train()
        #expect(first.map { $0.map(\.bitPattern) } == second.map { $0.map(\.bitPattern) })
    }

    @Test func tinyMLPOverfitsOneBatch() {
        let (model, inputs, targets) = tinyProblem(seed: 11)
        let optimizer = Adam(parameters: model.namedParameters(), learningRate: 0.02)
        let initial = Loss.mse(model(inputs), targets).item
        for _ in 0..<400 {
            optimizer.zeroGrad()
            Loss.mse(model(inputs), targets).backward()
            optimizer.step()
        }
        let final = withNoGrad { Loss.mse(model(inputs), targets).item }
        #expect(initial > 0.05)
        #expect(final < 1e-3, "loss \(initial) -> \(final)")
    }
}
