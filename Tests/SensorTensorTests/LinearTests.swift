import Testing
@testable import SensorTensor

@Suite struct LinearTests {
    @Test func linearMatchesHandComputedAffineMap() {
        // W = [[1, 0], [0, 1], [1, 1]], b = [0.5, −1, 0]: [1, 2] -> [1.5, 1, 3]
        let x = Tensor(shape: [1, 2], scalars: [1, 2])
        let w = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1])
        let b = Tensor(shape: [3], scalars: [0.5, -1, 0])
        #expect(x.linear(weight: w, bias: b).scalars == [1.5, 1, 3])
        #expect(x.linear(weight: w, bias: nil).scalars == [1, 2, 3])
    }

    @Test func linearMatchesMatmulPlusBias() {
        var generator = RandomGenerator(seed: 21)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        let w = Tensor.normal([5, 4], generator: &generator)
        let b = Tensor.normal([5], generator: &generator)
        expectClose(x.linear(weight: w, bias: b), x.matmul(w, transposeB: true) + b, relative: 1e-5, "linear vs matmul + bias")
    }

    @Test func gradientsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 22)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        let w = Tensor.normal([5, 4], generator: &generator)
        let b = Tensor.normal([5], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x, w, b], "linear with bias") {
            $0[0].linear(weight: $0[1], bias: $0[2])
        } reference: { DoubleReference.linear($0[0], weight: $0[1], bias: $0[2]) }
        expectGradientsMatchDoubleFiniteDifferences([x, w], "linear without bias") {
            $0[0].linear(weight: $0[1], bias: nil)
        } reference: { DoubleReference.linear($0[0], weight: $0[1], bias: nil) }
    }

    @Test func biasGradientIsTheColumnSumOverManyRows() {
        // 150 rows span three blocks of the blocked column sum.
        var generator = RandomGenerator(seed: 23)
        let x = Tensor.normal([150, 3], generator: &generator)
        let w = Tensor.normal([2, 3], generator: &generator)
        let b = Tensor.zeros([2], requiresGrad: true)
        let g = Tensor.normal([150, 2], generator: &generator)
        x.linear(weight: w, bias: b).backward(gradient: g)
        var expected = [Double](repeating: 0, count: 2)
        for (i, value) in g.scalars.enumerated() { expected[i % 2] += Double(value) }
        expectClose(b.grad!, Tensor(shape: [2], scalars: expected.map(Float.init)), relative: 1e-5, "bias gradient")
    }
}
