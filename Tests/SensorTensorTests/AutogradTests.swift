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
    @Test func binaryOpsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 7)
        let a = Tensor.uniform([2, 3], low: 0.5, high: 2, generator: &generator)
        let b = Tensor.uniform([3], low: 0.5, high: 2, generator: &generator)
        let column = Tensor.uniform([2, 1, 1], low: 0.5, high: 2, generator: &generator)
        let operations: [(String, (Tensor, Tensor) -> Tensor, (Double, Double) -> Double)] = [
            ("add", { $0 + $1 }, { $0 + $1 }), ("sub", { $0 - $1 }, { $0 - $1 }),
            ("mul", { $0 * $1 }, { $0 * $1 }), ("div", { $0 / $1 }, { $0 / $1 }),
        ]
        for (name, operation, reference) in operations {
            expectGradientsMatchDoubleFiniteDifferences([a, b], "\(name) [2, 3] with [3]") {
                operation($0[0], $0[1])
            } reference: { DoubleTensor.broadcast($0[0], $0[1], reference) }
            expectGradientsMatchDoubleFiniteDifferences([column, b], "\(name) [2, 1, 1] with [3]") {
                operation($0[0], $0[1])
            } reference: { DoubleTensor.broadcast($0[0], $0[1], reference) }
        }
        expectGradientsMatchDoubleFiniteDifferences([a], "neg") { -$0[0] } reference: { $0[0].map { -$0 } }
    }

    @Test func matmulWithTransposesMatchesDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 8)
        let a = Tensor.normal([2, 3, 4], generator: &generator)
        let w = Tensor.normal([5, 4], generator: &generator)
        let batched = Tensor.normal([2, 5, 4], generator: &generator)
        let c = Tensor.normal([2, 4, 3], generator: &generator)
        let plain = Tensor.normal([4, 5], generator: &generator)
        let cases: [(String, Tensor, Tensor, Bool, Bool)] = [
            ("2-D", a.sliced(axis: 0, range: 0..<1).squeezed(axis: 0), plain, false, false),
            ("shared weight", a, plain, false, false),
            ("shared weight, Bᵀ", a, w, false, true),
            ("batched, Bᵀ", a, batched, false, true),
            ("batched, Aᵀ", c, batched.transposed(), true, false),
            ("Aᵀ with shared Bᵀ", c, w, true, true),
            ("Aᵀ batched Bᵀ", c, batched, true, true),
        ]
        for (label, left, right, transposeA, transposeB) in cases {
            expectGradientsMatchDoubleFiniteDifferences([left.copy(), right.copy()], "matmul \(label)") {
                $0[0].matmul($0[1], transposeA: transposeA, transposeB: transposeB)
            } reference: { DoubleReference.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
        }
    }
}
