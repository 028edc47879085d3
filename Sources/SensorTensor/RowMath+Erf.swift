extension RowMath {
    /// Φ(x) and φ(x), the standard normal distribution and density, from one exponential, to within
    /// 1e-7 absolute (A&S 7.1.26 bounds erf's error by 1.5e-7), branch-free and built on `exp`, so
    /// GELU loops vectorise instead of calling libm's `erff` per element.
    ///
    /// With a = |x|/√2, A&S 7.1.26 gives erf(a) = 1 − t·p(t)·e^(−a²), and e^(−a²) = e^(−x²/2) is
    /// also √(2π)·φ(x): GELU's backward needs both, and this shares the exponential and the
    /// division between them. Φ(x) = ½(1 + erf(x/√2)) = 1 − tail for x ≥ 0, tail for x < 0,
    /// with tail = ½·t·p(t)·e^(−x²/2).
    @inline(__always)
    static func normalDistributionAndDensity(_ x: Float) -> (cdf: Float, density: Float) {
        let a = Swift.abs(x) * GELUConstants.inverseSquareRootTwo
        let (t, p) = erfPolynomial(a)
        let gaussian = exp(-a * a)
        let tail = 0.5 * p * t * gaussian
        return (x < 0 ? tail : 1 - tail, gaussian * GELUConstants.inverseSquareRootTwoPi)
    }

    /// t = 1/(1 + 0.3275911·a) and A&S 7.1.26's polynomial p(t), evaluated with fused multiply-adds
    /// (one rounding per step; `addingProduct` lowers to vfmadd on FMA targets and vectorises).
    @inline(__always)
    private static func erfPolynomial(_ a: Float) -> (t: Float, p: Float) {
        let t = 1 / Float(1).addingProduct(0.327_591_1, a)
        var p: Float = 1.061_405_429
        p = Float(-1.453_152_027).addingProduct(p, t)
        p = Float(1.421_413_741).addingProduct(p, t)
        p = Float(-0.284_496_736).addingProduct(p, t)
        p = Float(0.254_829_592).addingProduct(p, t)
        return (t, p)
    }
}
