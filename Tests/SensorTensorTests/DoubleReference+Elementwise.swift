import Foundation

/// Double-precision reference forwards of the engine's differentiable ops, written from their
/// mathematical definitions (PyTorch's conventions) as plain loops: the ground truth of the
/// finite-difference gradient checks.
enum DoubleReference {}

/// Element-wise ops: scalar functions applied with `DoubleTensor.map` or `DoubleTensor.broadcast`.
extension DoubleReference {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    static func relu(_ x: Double) -> Double { Swift.max(x, 0) }

    static func silu(_ x: Double) -> Double { x * sigmoid(x) }

    static func rsqrt(_ x: Double) -> Double { 1 / x.squareRoot() }

    /// Exact GELU, x·Φ(x) with the normal CDF Φ(x) = ½(1 + erf(x/√2)).
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())) }

    /// Tanh GELU, ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    static func geluTanh(_ x: Double) -> Double {
        0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }

    static func clamp(_ x: Double, min lower: Double?, max upper: Double?) -> Double {
        var y = x
        if let lower { y = Swift.max(y, lower) }
        if let upper { y = Swift.min(y, upper) }
        return y
    }
}
