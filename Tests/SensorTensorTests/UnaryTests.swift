import Foundation
import Testing
@testable import SensorTensor

@Suite struct UnaryTests {
    /// Values at least 0.2 away from 0 and from the clamp bounds used below, so finite differences
    /// never cross a kink.
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

    @Test func smoothOpsMatchDoubleFiniteDifferences() {
        let x = Tensor(shape: [2, 3], scalars: Self.mixedSigns)
        expectGradientsMatchDoubleFiniteDifferences([x], "exp") { $0[0].exp() } reference: { $0[0].map(Foundation.exp) }
        expectGradientsMatchDoubleFiniteDifferences([x], "tanh") { $0[0].tanh() } reference: { $0[0].map(Foundation.tanh) }
        expectGradientsMatchDoubleFiniteDifferences([x], "sigmoid") { $0[0].sigmoid() } reference: { $0[0].map(DoubleReference.sigmoid) }
        expectGradientsMatchDoubleFiniteDifferences([x], "silu") { $0[0].silu() } reference: { $0[0].map(DoubleReference.silu) }
        expectGradientsMatchDoubleFiniteDifferences([x], "gelu erf") { $0[0].gelu() } reference: { $0[0].map(DoubleReference.gelu) }
        expectGradientsMatchDoubleFiniteDifferences([x], "gelu tanh") {
            $0[0].gelu(approximation: .tanh)
        } reference: { $0[0].map(DoubleReference.geluTanh) }
        expectGradientsMatchDoubleFiniteDifferences([x], "squared") { $0[0].squared() } reference: { $0[0].map { $0 * $0 } }
        expectGradientsMatchDoubleFiniteDifferences([x], "pow 3") { $0[0].pow(3) } reference: { $0[0].map { Foundation.pow($0, 3) } }
    }

    @Test func positiveDomainOpsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 11)
        let x = Tensor.uniform([2, 3], low: 0.5, high: 2, generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x], "log") { $0[0].log() } reference: { $0[0].map(Foundation.log) }
        expectGradientsMatchDoubleFiniteDifferences([x], "sqrt") { $0[0].sqrt() } reference: { $0[0].map { $0.squareRoot() } }
        expectGradientsMatchDoubleFiniteDifferences([x], "rsqrt") { $0[0].rsqrt() } reference: { $0[0].map(DoubleReference.rsqrt) }
        expectGradientsMatchDoubleFiniteDifferences([x], "pow 1.7") {
            $0[0].pow(1.7)
        } reference: { $0[0].map { Foundation.pow($0, Double(Float(1.7))) } }
        expectGradientsMatchDoubleFiniteDifferences([x], "pow -0.5") { $0[0].pow(-0.5) } reference: { $0[0].map { Foundation.pow($0, -0.5) } }
    }

    @Test func piecewiseOpsMatchDoubleFiniteDifferencesAwayFromKinks() {
        let x = Tensor(shape: [2, 3], scalars: Self.mixedSigns)
        expectGradientsMatchDoubleFiniteDifferences([x], "abs") { $0[0].abs() } reference: { $0[0].map(Swift.abs) }
        expectGradientsMatchDoubleFiniteDifferences([x], "relu") { $0[0].relu() } reference: { $0[0].map(DoubleReference.relu) }
        expectGradientsMatchDoubleFiniteDifferences([x], "clamped both") {
            $0[0].clamped(min: -0.5, max: 1)
        } reference: { $0[0].map { DoubleReference.clamp($0, min: -0.5, max: 1) } }
        expectGradientsMatchDoubleFiniteDifferences([x], "clamped min") {
            $0[0].clamped(min: 0)
        } reference: { $0[0].map { DoubleReference.clamp($0, min: 0, max: nil) } }
        expectGradientsMatchDoubleFiniteDifferences([x], "clamped max") {
            $0[0].clamped(max: 0.5)
        } reference: { $0[0].map { DoubleReference.clamp($0, min: nil, max: 0.5) } }
    }
}
