import Testing
@testable import SensorTensor

@Suite struct DropoutEmbeddingTests {
    @Test func dropoutIsIdentityInEvaluationAndAtZeroProbability() {
        var generator = RandomGenerator(seed: 61)
        let x = Tensor.normal([3, 4], generator: &generator)
        #expect(x.dropout(probability: 0.5, generator: &generator, training: false).scalars == x.scalars)
        #expect(x.dropout(probability: 0, generator: &generator).scalars == x.scalars)
        #expect(x.dropout(probability: 1, generator: &generator).scalars == [Float](repeating: 0, count: 12))
    }

    @Test func dropoutZeroesAboutPAndScalesSurvivors() {
        var generator = RandomGenerator(seed: 62)
        let x = Tensor.ones([10_000], requiresGrad: true)
        let y = x.dropout(probability: 0.25, generator: &generator)
        let values = y.scalars
        #expect(values.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3.0) < 1e-6 })
        let dropped = Double(values.filter { $0 == 0 }.count) / 10_000
        #expect(abs(dropped - 0.25) < 0.02, "dropped fraction \(dropped)")
        // With x = 1 the output equals the mask, and so does the gradient of Σ y.
        y.backward(gradient: Tensor.ones([10_000]))
        #expect(x.grad?.scalars == values)
    }

    @Test func dropoutMaskIsAFunctionOfTheSeed() {
        let x = Tensor.ones([64])
        var first = RandomGenerator(seed: 63), second = RandomGenerator(seed: 63)
        #expect(x.dropout(probability: 0.5, generator: &first).scalars == x.dropout(probability: 0.5, generator: &second).scalars)
    }

    @Test func embeddingGathersRowsAndIndexAddsGradients() {
        let weight = Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5], requiresGrad: true)
        let y = Tensor.embedding(weight: weight, indices: [2, 0, 2], indexShape: [1, 3])
        #expect(y.shape == [1, 3, 2])
        #expect(y.scalars == [4, 5, 0, 1, 4, 5])
        y.backward(gradient: Tensor(shape: [1, 3, 2], scalars: [1, 2, 3, 4, 5, 6]))
        // Row 2 receives rows 0 and 2 of the gradient; row 1 nothing.
        #expect(weight.grad?.scalars == [3, 4, 0, 0, 6, 8])
    }

    @Test func dropoutGradientMatchesDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 65)
        let x = Tensor.normal([3, 4], generator: &generator)
        // The documented mask: one uniform per element in row-major order, dropped below p,
        // survivors scaled by 1/(1 − p), drawn here from a copy of the generator the op gets.
        let start = generator
        var maskGenerator = start
        let keepScale = 1 / (1 - Double(Float(0.4)))
        let mask = DoubleTensor(shape: [3, 4], values: (0..<12).map { _ in maskGenerator.nextUniform() < 0.4 ? 0 : keepScale })
        expectGradientsMatchDoubleFiniteDifferences([x], "dropout") { inputs in
            var copy = start
            return inputs[0].dropout(probability: 0.4, generator: &copy)
        } reference: { DoubleTensor.broadcast($0[0], mask, *) }
    }

    @Test func embeddingGradientMatchesDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 64)
        let weight = Tensor.normal([4, 3], generator: &generator)
        let indices = [1, 3, 1, 0, 1, 2]
        expectGradientsMatchDoubleFiniteDifferences([weight], "embedding") {
            Tensor.embedding(weight: $0[0], indices: indices, indexShape: [2, 3])
        } reference: { DoubleReference.embedding(weight: $0[0], indices: indices, indexShape: [2, 3]) }
    }
}
