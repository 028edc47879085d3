import CBLAS

/// Dense linear algebra through LAPACKE for the baselines and analyses (PCA, ridge, probes).
///
/// The Float32 tensors are widened to Double for the factorisation and narrowed back, so small
/// ill-conditioned problems keep their accuracy; these routines are not on a training hot path.
/// Results are plain tensors outside any graph (no gradients).
public enum LinearAlgebra {
    /// Eigen-decomposition of a symmetric matrix [n, n] (only the upper triangle is read):
    /// `values` [n] in ascending order and `vectors` [n, n] holding the unit eigenvectors as
    /// columns, so matrix · vectors[:, j] = values[j] · vectors[:, j]. LAPACK dsyevd.
    public static func symmetricEigen(_ matrix: Tensor) -> (values: Tensor, vectors: Tensor) {
        precondition(matrix.rank == 2 && matrix.shape[0] == matrix.shape[1],
                     "LinearAlgebra.symmetricEigen: matrix must be square [n, n], got \(matrix.shape)")
        let n = matrix.shape[0]
        guard n > 0 else { return (Tensor.zeros([0]), Tensor.zeros([0, 0])) }
        var a = doubles(matrix)
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                                  LAPACKInteger(n), &a, LAPACKInteger(n), &w)
        check(info, "symmetricEigen (dsyevd)", matrix.shape)
        return (tensor([n], w), tensor([n, n], a))
    }

    /// Thin singular value decomposition of a [m, n] matrix with k = min(m, n):
    /// `u` [m, k], `s` [k] descending, `vt` [k, n], so u · diag(s) · vt = matrix. LAPACK dgesdd.
    public static func svd(_ matrix: Tensor) -> (u: Tensor, s: Tensor, vt: Tensor) {
        precondition(matrix.rank == 2, "LinearAlgebra.svd: matrix must be [m, n], got \(matrix.shape)")
        let m = matrix.shape[0], n = matrix.shape[1], k = Swift.min(m, n)
        guard k > 0 else { return (Tensor.zeros([m, 0]), Tensor.zeros([0]), Tensor.zeros([0, n])) }
        var a = doubles(matrix)
        var s = [Double](repeating: 0, count: k)
        var u = [Double](repeating: 0, count: m * k)
        var vt = [Double](repeating: 0, count: k * n)
        let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), LAPACKInteger(m), LAPACKInteger(n),
                                  &a, LAPACKInteger(n), &s, &u, LAPACKInteger(k), &vt, LAPACKInteger(n))
        check(info, "svd (dgesdd)", matrix.shape)
        return (tensor([m, k], u), tensor([k], s), tensor([k, n], vt))
    }

    /// The x minimising ‖a·x − b‖₂ for a [m, n] and b [m] or [m, r] -> x [n] or [n, r]; when the
    /// system is rank deficient or underdetermined, the minimum-norm solution. LAPACK dgelsd
    /// (SVD-based, singular values below machine precision times the largest treated as zero).
    public static func leastSquares(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == 2 && (b.rank == 1 || b.rank == 2) && b.shape[0] == a.shape[0],
                     "LinearAlgebra.leastSquares: a must be [m, n] and b [m] or [m, r] with the same m, got \(a.shape) and \(b.shape)")
        let m = a.shape[0], n = a.shape[1], columns = b.rank == 2 ? b.shape[1] : 1
        let resultShape = b.rank == 2 ? [n, columns] : [n]
        guard m > 0, n > 0, columns > 0 else { return Tensor.zeros(resultShape) }
        var matrix = doubles(a)
        // dgelsd overwrites b [max(m, n), r] with the solution in its first n rows.
        let rows = Swift.max(m, n)
        var rightHandSide = [Double](repeating: 0, count: rows * columns)
        b.withUnsafeBufferPointer { source in
            for i in 0..<(m * columns) { rightHandSide[i] = Double(source[i]) }
        }
        var singularValues = [Double](repeating: 0, count: Swift.min(m, n))
        var rank: LAPACKInteger = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, LAPACKInteger(m), LAPACKInteger(n), LAPACKInteger(columns),
                                  &matrix, LAPACKInteger(n), &rightHandSide, LAPACKInteger(columns),
                                  &singularValues, -1, &rank)
        check(info, "leastSquares (dgelsd)", a.shape, b.shape)
        return tensor(resultShape, Array(rightHandSide[0..<(n * columns)]))
    }

    /// `lapack_int` is a C macro (not imported); Debian's LAPACKE uses the LP64 interface (int32).
    private typealias LAPACKInteger = Int32

    private static func doubles(_ tensor: Tensor) -> [Double] {
        tensor.withUnsafeBufferPointer { $0.map(Double.init) }
    }

    private static func tensor(_ shape: [Int], _ values: [Double]) -> Tensor {
        Tensor(shape: shape, scalars: values.map(Float.init))
    }

    /// LAPACK reports illegal arguments as info < 0 and failed convergence as info > 0; both are
    /// programmer-visible failures of a routine that should not fail on finite input.
    private static func check(_ info: LAPACKInteger, _ routine: String, _ shapes: [Int]...) {
        precondition(info == 0, info < 0
            ? "LinearAlgebra.\(routine): argument \(-info) is invalid (inputs \(shapes))"
            : "LinearAlgebra.\(routine): did not converge (info \(info); inputs \(shapes); non-finite values?)")
    }
}
