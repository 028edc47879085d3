extension RowMath {
    /// The error function to within 1.5e-7 absolute (Abramowitz & Stegun 7.1.26), built on the
    /// branch-free `exp`, so GELU loops vectorise instead of calling libm's `erff` per element.
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let magnitude = 1 - p * t * exp(-a * a)
        return x < 0 ? -magnitude : magnitude
    }
}
