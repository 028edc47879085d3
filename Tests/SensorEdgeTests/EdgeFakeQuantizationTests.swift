import Testing
import SensorTensor
@testable import SensorEdge

@Suite struct EdgeFakeQuantizationTests {
    @Test func activationsRoundAndClampWithStraightThroughGradient() {
        let parameters = AffineQuantization(scale: 0.1, zeroPoint: -28)  // representable [10·(−100)… , 15.5]: [−10, 15.5]
        let input = Tensor(shape: [5], scalars: [0.26, -0.04, 20, -11, 3.14], requiresGrad: true)
        let output = FakeQuantization.activations(input, parameters: parameters)
        let expected: [Float] = [0.3, 0, 15.5, -10, 3.1]
        for (actual, wanted) in zip(output.scalars, expected) { #expect(abs(actual - wanted) < 1e-5) }
        output.sum().backward()
        #expect(input.grad!.scalars == [1, 1, 0, 0, 1])
    }

    @Test func weightsSnapToPerChannelGrid() {
        let weight = Tensor(shape: [2, 2], scalars: [1, -2, 0.5, 0.2], requiresGrad: true)
        let output = FakeQuantization.weights(weight)
        let expected: [Float] = [64 * 2 / 127, -2, 0.5, 51 * 0.5 / 127]
        for (actual, wanted) in zip(output.scalars, expected) { #expect(abs(actual - wanted) < 1e-6) }
        (output * Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])).sum().backward()
        #expect(weight.grad!.scalars == [1, 2, 3, 4])
    }

    @Test func observerAveragesRanges() {
        var observer = RangeObserver(momentum: 0.5)
        #expect(observer.parameters == AffineQuantization(scale: 1, zeroPoint: 0))
        observer.observe(Tensor(shape: [2], scalars: [-1, 3]))
        observer.observe(Tensor(shape: [2], scalars: [-3, 1]))
        #expect(observer.range == PostTrainingQuantization.Range(minimum: -2, maximum: 2))
    }
}
