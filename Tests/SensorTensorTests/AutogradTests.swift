import Testing
@testable import SensorTensor

@Suite struct AutogradTests {
    @Test func gradientOfBroadcastProductSumsOverBroadcastAxis() {
        // y = sum(a * b) with a [2,3], b [3]: dy/da = b broadcast, dy/db = column sums of a.
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let b = Tensor(shape: [3], scalars: [10, 20, 30], requiresGrad: true)
        let product = a * b
        product.backward(gradient: Tensor.ones([2, 3]))
        #expect(a.grad?.scalars == [10, 20, 30, 10, 20, 30])
        #expect(b.grad?.scalars == [5, 7, 9])
    }

    @Test func matmulGradientsMatchHandComputedValues() {
        // C = A·B, seed G = ones: dA = G·Bᵀ (row sums of B), dB = Aᵀ·G (column sums of A).
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8], requiresGrad: true)
        let c = a.matmul(b)
        #expect(c.scalars == [19, 22, 43, 50])
        c.backward(gradient: Tensor.ones([2, 2]))
        #expect(a.grad?.scalars == [11, 15, 11, 15])
        #expect(b.grad?.scalars == [4, 4, 6, 6])
    }
}

@Suite struct ArithmeticGradientTests {
    @Test func binaryOpsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 7)
        let a = Tensor.uniform([2, 3], low: 0.5, high: 2, generator: &generator)
        let b = Tensor.uniform([3], low: 0.5, high: 2, generator: &generator)
        expectGradientsMatchFiniteDifferences([a, b], "add") { $0[0] + $0[1] }
        expectGradientsMatchFiniteDifferences([a, b], "sub") { $0[0] - $0[1] }
        expectGradientsMatchFiniteDifferences([a, b], "mul") { $0[0] * $0[1] }
        expectGradientsMatchFiniteDifferences([a, b], "div") { $0[0] / $0[1] }
    }

    @Test func matmulWithTransposesMatchesFiniteDifferences() {
        var generator = RandomGenerator(seed: 8)
        let a = Tensor.normal([2, 3, 4], generator: &generator)
        let w = Tensor.normal([5, 4], generator: &generator)
        let batched = Tensor.normal([2, 5, 4], generator: &generator)
        expectGradientsMatchFiniteDifferences([a, w], "shared weight, Bᵀ") { $0[0].matmul($0[1], transposeB: true) }
        expectGradientsMatchFiniteDifferences([a, batched], "batched, Aᵀ... Bᵀ") { $0[0].matmul($0[1], transposeB: true) }
        let c = Tensor.normal([2, 4, 3], generator: &generator)
        expectGradientsMatchFiniteDifferences([c, w], "Aᵀ with shared Bᵀ") { $0[0].matmul($0[1], transposeA: true, transposeB: true) }
        expectGradientsMatchFiniteDifferences([c, batched], "Aᵀ batched Bᵀ") { $0[0].matmul($0[1], transposeA: true, transposeB: true) }
    }
}
