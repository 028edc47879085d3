import Testing
@testable import SensorTensor

@Suite struct LAPACKTests {
    @Test func symmetricEigenOfATwoByTwo() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, −1)/√2 and (1, 1)/√2.
        let (values, vectors) = LinearAlgebra.symmetricEigen(Tensor(shape: [2, 2], scalars: [2, 1, 1, 2]))
        expectClose(values, Tensor(shape: [2], scalars: [1, 3]), relative: 1e-6, "eigenvalues")
        let v = vectors.scalars, r = 1 / Float(2).squareRoot()
        // Columns, up to sign.
        #expect(abs(abs(v[0]) - r) < 1e-6 && abs(v[0] + v[2]) < 1e-6)
        #expect(abs(abs(v[1]) - r) < 1e-6 && abs(v[1] - v[3]) < 1e-6)
    }

    @Test func eigenvectorsSatisfyTheEigenEquation() {
        var generator = RandomGenerator(seed: 71)
        let b = Tensor.normal([5, 5], generator: &generator)
        // B·Bᵀ − 3 (every entry shifted): symmetric, with eigenvalues of both signs.
        let symmetric = b.matmul(b, transposeB: true) - 3
        let (values, vectors) = LinearAlgebra.symmetricEigen(symmetric)
        let lambda = values.scalars
        #expect(zip(lambda, lambda.dropFirst()).allSatisfy { $0 <= $1 }, "ascending: \(lambda)")
        // A·V = V·diag(λ), and Vᵀ·V = I.
        expectClose(symmetric.matmul(vectors), vectors * values, relative: 1e-5, "A·v = λ·v")
        var identity = [Float](repeating: 0, count: 25)
        for i in 0..<5 { identity[i * 6] = 1 }
        expectClose(vectors.matmul(vectors, transposeA: true), Tensor(shape: [5, 5], scalars: identity), relative: 0, absolute: 1e-5, "orthonormal")
    }

    @Test func svdReconstructsTallAndWideMatrices() {
        var generator = RandomGenerator(seed: 72)
        for shape in [[4, 3], [3, 5]] {
            let a = Tensor.normal(shape, generator: &generator)
            let (u, s, vt) = LinearAlgebra.svd(a)
            let k = min(shape[0], shape[1])
            #expect(u.shape == [shape[0], k] && s.shape == [k] && vt.shape == [k, shape[1]])
            let values = s.scalars
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 } && values.allSatisfy { $0 >= 0 }, "descending: \(values)")
            expectClose((u * s).matmul(vt), a, relative: 1e-5, "U·diag(s)·Vt for \(shape)")
        }
        let diagonal = LinearAlgebra.svd(Tensor(shape: [2, 2], scalars: [2, 0, 0, -3]))
        expectClose(diagonal.s, Tensor(shape: [2], scalars: [3, 2]), relative: 1e-6, "singular values of diag(2, −3)")
    }

    @Test func leastSquaresRecoversAnExactLine() {
        // Points on y = 1 + 2x: design [1, x].
        let a = Tensor(shape: [4, 2], scalars: [1, 0, 1, 1, 1, 2, 1, 3])
        let b = Tensor(shape: [4], scalars: [1, 3, 5, 7])
        expectClose(LinearAlgebra.leastSquares(a, b), Tensor(shape: [2], scalars: [1, 2]), relative: 1e-5, "line")
    }

    @Test func leastSquaresSatisfiesTheNormalEquations() {
        var generator = RandomGenerator(seed: 73)
        let a = Tensor.normal([7, 3], generator: &generator)
        let b = Tensor.normal([7, 2], generator: &generator)
        let x = LinearAlgebra.leastSquares(a, b)
        #expect(x.shape == [3, 2])
        // Aᵀ·(A·x − b) = 0 at the minimiser.
        let normal = a.matmul(a.matmul(x) - b, transposeA: true)
        expectClose(normal, Tensor.zeros([3, 2]), relative: 0, absolute: 1e-4, "normal equations")
        // Underdetermined: the minimum-norm solution of x₀ + x₁ = 2 is (1, 1).
        let wide = LinearAlgebra.leastSquares(Tensor(shape: [1, 2], scalars: [1, 1]), Tensor(shape: [1], scalars: [2]))
        expectClose(wide, Tensor(shape: [2], scalars: [1, 1]), relative: 1e-5, "minimum norm")
    }
}
