import Testing
@testable import SensorTensor

@Suite struct GELULinearTests {
    @Test func fusedOpMatchesTheUnfusedPairAndItsGradients() {
        var generator = RandomGenerator(seed: 21)
        let x = Tensor.normal([2, 3, 5], generator: &generator, requiresGrad: true)
        let weight = Tensor.normal([4, 5], generator: &generator, requiresGrad: true)
        let bias = Tensor.normal([4], generator: &generator, requiresGrad: true)
        let seed = Tensor.normal([2, 3, 4], generator: &generator)
        let fused = x.geluLinear(weight: weight, bias: bias)
        fused.backward(gradient: seed)
        let fusedGradients = [x.grad!, weight.grad!, bias.grad!]
        for tensor in [x, weight, bias] { tensor.grad = nil }
        let unfused = x.gelu().linear(weight: weight, bias: bias)
        unfused.backward(gradient: seed)
        expectClose(fused, unfused, "output")
        for (fusedGradient, reference) in zip(fusedGradients, [x.grad!, weight.grad!, bias.grad!]) {
            expectClose(fusedGradient, reference, relative: 1e-5, absolute: 1e-6, "gradient")
        }
    }

    @Test func fusedOpMatchesDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 22)
        let x = Tensor.normal([3, 4], generator: &generator)
        let weight = Tensor.normal([2, 4], generator: &generator)
        let bias = Tensor.normal([2], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x, weight, bias], "geluLinear") {
            $0[0].geluLinear(weight: $0[1], bias: $0[2])
        } reference: { DoubleReference.geluLinear($0[0], weight: $0[1], bias: $0[2]) }
        let batched = Tensor.normal([2, 2, 4], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([batched, weight], "geluLinear [2, 2, 4] without bias") {
            $0[0].geluLinear(weight: $0[1], bias: nil)
        } reference: { DoubleReference.geluLinear($0[0], weight: $0[1], bias: nil) }
    }

    /// The backward's single elementwise pass has one loop per set of requested gradients, and its
    /// vector lanes and scalar tail must agree: 37 rows of 9 values (not a multiple of the lane
    /// width), with only the input, only the weight, or both asking for gradients.
    @Test func partialGradientRequestsMatchTheUnfusedPair() {
        var generator = RandomGenerator(seed: 23)
        let x = Tensor.normal([37, 9], std: 2, generator: &generator)
        let weight = Tensor.normal([3, 9], generator: &generator)
        let bias = Tensor.normal([3], generator: &generator)
        let seed = Tensor.normal([37, 3], generator: &generator)
        for (inputNeedsGradient, weightNeedsGradient) in [(true, false), (false, true), (true, true)] {
            func gradients(_ forward: (Tensor) -> Tensor) -> [Tensor?] {
                x.requiresGrad = inputNeedsGradient
                weight.requiresGrad = weightNeedsGradient
                bias.requiresGrad = true
                for tensor in [x, weight, bias] { tensor.grad = nil }
                forward(x).backward(gradient: seed)
                return [x.grad, weight.grad, bias.grad]
            }
            let fused = gradients { $0.geluLinear(weight: weight, bias: bias) }
            let unfused = gradients { $0.gelu().linear(weight: weight, bias: bias) }
            for (name, pair) in zip(["x", "weight", "bias"], zip(fused, unfused)) {
                #expect((pair.0 == nil) == (pair.1 == nil), "\(name): gradient present in only one path")
                if let actual = pair.0, let expected = pair.1 {
                    expectClose(actual, expected, relative: 1e-5, absolute: 1e-6, "\(name) (x \(inputNeedsGradient), w \(weightNeedsGradient))")
                }
            }
        }
    }
}
