import Testing
@testable import SensorTensor

@Suite struct UnaryTests {
    /// Values at least 0.2 away from 0 and from the clamp bounds used below, so finite differences
    /// with step 0.01 never cross a kink.
    static let mixedSigns: [Float] = [-1.5, -0.7, -0.2, 0.3, 0.8, 1.6]

    @Test func exponentialsAndLogarithmMatchHandValues() {
        expectClose(Tensor(shape: [3], scalars: [0, 1, -1]).exp(), Tensor(shape: [3], scalars: [1, 2.7182818, 0.36787944]))
        expectClose(Tensor(shape: [3], scalars: [1, 2.7182818, 0.5]).log(), Tensor(shape: [3], scalars: [0, 1, -0.6931472]))
        expectClose(Tensor(shape: [3], scalars: [4, 9, 0.25]).sqrt(), Tensor(shape: [3], scalars: [2, 3, 0.5]))
        expectClose(Tensor(shape: [2], scalars: [4, 0.25]).rsqrt(), Tensor(shape: [2], scalars: [0.5, 2]))
        expectClose(Tensor(shape: [2], scalars: [2, -1]).pow(3), Tensor(shape: [2], scalars: [8, -1]))
        expectClose(Tensor(shape: [2], scalars: [4, 2.25]).pow(0.5), Tensor(shape: [2], scalars: [2, 1.5]))
        expectClose(Tensor(shape: [2], scalars: [3, -2]).squared(), Tensor(shape: [2], scalars: [9, 4]))
    }

    @Test func activationsMatchHandValues() {
        let x = Tensor(shape: [3], scalars: [-1, 0, 1])
        expectClose(x.abs(), Tensor(shape: [3], scalars: [1, 0, 1]))
        expectClose(x.relu(), Tensor(shape: [3], scalars: [0, 0, 1]))
        expectClose(x.tanh(), Tensor(shape: [3], scalars: [-0.7615942, 0, 0.7615942]))
        expectClose(x.sigmoid(), Tensor(shape: [3], scalars: [0.26894142, 0.5, 0.7310586]))
        expectClose(x.silu(), Tensor(shape: [3], scalars: [-0.26894142, 0, 0.7310586]))
        // PyTorch: gelu(±1) = 0.8413447 / −0.1586553; with approximate="tanh", 0.8411920 / −0.1588080.
        expectClose(x.gelu(), Tensor(shape: [3], scalars: [-0.15865525, 0, 0.84134475]))
        expectClose(x.gelu(approximation: .tanh), Tensor(shape: [3], scalars: [-0.15880801, 0, 0.84119199]))
    }

    @Test func clampedPassesGradientInsideAndOnTheBounds() {
        let x = Tensor(shape: [5], scalars: [-2, -1, 0.5, 1, 3], requiresGrad: true)
        let y = x.clamped(min: -1, max: 1)
        #expect(y.scalars == [-1, -1, 0.5, 1, 1])
        y.backward(gradient: Tensor.ones([5]))
        #expect(x.grad?.scalars == [0, 1, 1, 1, 0])
        #expect(x.clamped(min: 0).scalars == [0, 0, 0.5, 1, 3])
        #expect(x.clamped(max: 0).scalars == [-2, -1, 0, 0, 0])
    }

    @Test func absAndReluGiveZeroGradientAtZero() {
        let x = Tensor(shape: [3], scalars: [-2, 0, 2], requiresGrad: true)
        (x.abs() + x.relu()).backward(gradient: Tensor.ones([3]))
        #expect(x.grad?.scalars == [-1, 0, 2])
    }

    @Test func powWithZeroExponentHasZeroGradient() {
        let x = Tensor(shape: [2], scalars: [0, 3], requiresGrad: true)
        let y = x.pow(0)
        #expect(y.scalars == [1, 1])
        y.backward(gradient: Tensor.ones([2]))
        #expect(x.grad?.scalars == [0, 0])
    }

    @Test func smoothOpsMatchFiniteDifferences() {
        let x = Tensor(shape: [2, 3], scalars: Self.mixedSigns)
        expectGradientsMatchFiniteDifferences([x], "exp") { $0[0].exp() }
        expectGradientsMatchFiniteDifferences([x], "tanh") { $0[0].tanh() }
        expectGradientsMatchFiniteDifferences([x], "sigmoid") { $0[0].sigmoid() }
        expectGradientsMatchFiniteDifferences([x], "silu") { $0[0].silu() }
        expectGradientsMatchFiniteDifferences([x], "gelu erf") { $0[0].gelu() }
        expectGradientsMatchFiniteDifferences([x], "gelu tanh") { $0[0].gelu(approximation: .tanh) }
        expectGradientsMatchFiniteDifferences([x], "squared") { $0[0].squared() }
        expectGradientsMatchFiniteDifferences([x], "pow 3") { $0[0].pow(3) }
    }

    @Test func positiveDomainOpsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 11)
        let x = Tensor.uniform([2, 3], low: 0.5, high: 2, generator: &generator)
        expectGradientsMatchFiniteDifferences([x], "log") { $0[0].log() }
        expectGradientsMatchFiniteDifferences([x], "sqrt") { $0[0].sqrt() }
        expectGradientsMatchFiniteDifferences([x], "rsqrt") { $0[0].rsqrt() }
        expectGradientsMatchFiniteDifferences([x], "pow 1.7") { $0[0].pow(1.7) }
        expectGradientsMatchFiniteDifferences([x], "pow -0.5") { $0[0].pow(-0.5) }
    }

    @Test func piecewiseOpsMatchFiniteDifferencesAwayFromKinks() {
        let x = Tensor(shape: [2, 3], scalars: Self.mixedSigns)
        expectGradientsMatchFiniteDifferences([x], "abs") { $0[0].abs() }
        expectGradientsMatchFiniteDifferences([x], "relu") { $0[0].relu() }
        expectGradientsMatchFiniteDifferences([x], "clamped both") { $0[0].clamped(min: -0.5, max: 1) }
        expectGradientsMatchFiniteDifferences([x], "clamped min") { $0[0].clamped(min: 0) }
    }
}
