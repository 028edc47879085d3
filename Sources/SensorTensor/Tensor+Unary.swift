import Foundation

/// The two GELU forms of PyTorch: the exact one through the error function, and the tanh
/// approximation of Hendrycks & Gimpel (2016), `approximate="tanh"`.
public enum GELUApproximation: Sendable {
    case erf
    case tanh
}

/// Element-wise unary ops with their derivatives. Every op maps a tensor of shape S to a new
/// tensor of shape S; its backward multiplies the incoming gradient G (shape S) by the local
/// derivative, computed from the saved input X or output Y.
///
/// Foundation's Float functions (`expf`, `logf`, …) are called by their C names because the
/// methods `exp()`, `log()`, … shadow the Swift overloads inside `Tensor`.
extension Tensor {
    /// Elements per thread below which element-wise kernels stay on one thread.
    static let elementwiseMinimumPerThread = 1 << 14

    /// A new tensor of this shape filled by `kernel(source, destination, count)` over contiguous
    /// chunks, in parallel for large tensors.
    func mapElements(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let source = UnsafePointer(data), out = result.data
        Threading.parallelFor(count, minimumPerThread: Tensor.elementwiseMinimumPerThread) { range in
            kernel(source + range.lowerBound, out + range.lowerBound, range.count)
        }
        return result
    }

    /// A new tensor filled by `kernel(first, second, destination, count)` over two tensors of the
    /// same element count (a gradient and a saved input or output), in parallel for large tensors.
    static func zipElements(_ first: Tensor, _ second: Tensor,
                            _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        precondition(first.count == second.count, "zipElements: \(first.shape) and \(second.shape) differ in size")
        let result = Tensor(uninitializedShape: first.shape)
        let a = UnsafePointer(first.data), b = UnsafePointer(second.data), out = result.data
        Threading.parallelFor(first.count, minimumPerThread: elementwiseMinimumPerThread) { range in
            let start = range.lowerBound
            kernel(a + start, b + start, out + start, range.count)
        }
        return result
    }

    /// eˣ. Backward: G·Y.
    public func exp() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = expf(x[i]) } }
        let saved = result.detached()
        return Tensor.record(result, op: "exp", inputs: [self]) { g in
            [Tensor.zipElements(g, saved) { g, y, d, n in for i in 0..<n { d[i] = g[i] * y[i] } }]
        }
    }

    /// Natural logarithm. Backward: G / X.
    public func log() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = logf(x[i]) } }
        return Tensor.record(result, op: "log", inputs: [self]) { g in
            [Tensor.zipElements(g, self) { g, x, d, n in for i in 0..<n { d[i] = g[i] / x[i] } }]
        }
    }

    /// √x. Backward: G / (2Y).
    public func sqrt() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = x[i].squareRoot() } }
        let saved = result.detached()
        return Tensor.record(result, op: "sqrt", inputs: [self]) { g in
            [Tensor.zipElements(g, saved) { g, y, d, n in for i in 0..<n { d[i] = 0.5 * g[i] / y[i] } }]
        }
    }

    /// 1/√x. Backward: −G·Y³/2.
    public func rsqrt() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = 1 / x[i].squareRoot() } }
        let saved = result.detached()
        return Tensor.record(result, op: "rsqrt", inputs: [self]) { g in
            [Tensor.zipElements(g, saved) { g, y, d, n in for i in 0..<n { d[i] = -0.5 * g[i] * y[i] * y[i] * y[i] } }]
        }
    }

    /// |x|. Backward: G·sign(X), with sign(0) = 0 as in PyTorch.
    public func abs() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = Swift.abs(x[i]) } }
        return Tensor.record(result, op: "abs", inputs: [self]) { g in
            [Tensor.zipElements(g, self) { g, x, d, n in
                for i in 0..<n { d[i] = x[i] > 0 ? g[i] : (x[i] < 0 ? -g[i] : 0) }
            }]
        }
    }

    /// Hyperbolic tangent. Backward: G·(1 − Y²).
    public func tanh() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = tanhf(x[i]) } }
        let saved = result.detached()
        return Tensor.record(result, op: "tanh", inputs: [self]) { g in
            [Tensor.zipElements(g, saved) { g, y, d, n in for i in 0..<n { d[i] = g[i] * (1 - y[i] * y[i]) } }]
        }
    }

    /// Logistic function 1/(1 + e⁻ˣ). Backward: G·Y·(1 − Y).
    public func sigmoid() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = 1 / (1 + expf(-x[i])) } }
        let saved = result.detached()
        return Tensor.record(result, op: "sigmoid", inputs: [self]) { g in
            [Tensor.zipElements(g, saved) { g, y, d, n in for i in 0..<n { d[i] = g[i] * y[i] * (1 - y[i]) } }]
        }
    }

    /// max(x, 0). Backward: G where X > 0, else 0.
    public func relu() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 } }
        return Tensor.record(result, op: "relu", inputs: [self]) { g in
            [Tensor.zipElements(g, self) { g, x, d, n in for i in 0..<n { d[i] = x[i] > 0 ? g[i] : 0 } }]
        }
    }

    /// Gaussian error linear unit x·Φ(x), exactly (`.erf`) or through the tanh approximation
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (`.tanh`).
    public func gelu(approximation: GELUApproximation = .erf) -> Tensor {
        switch approximation {
        case .erf:
            let result = mapElements { x, y, n in
                for i in 0..<n { y[i] = x[i] * RowMath.normalDistributionAndDensity(x[i]).cdf }
            }
            return Tensor.record(result, op: "gelu", inputs: [self]) { g in
                // d/dx x·Φ(x) = Φ(x) + x·φ(x), φ the standard normal density.
                [Tensor.zipElements(g, self) { g, x, d, n in
                    for i in 0..<n {
                        let v = x[i]
                        let (cdf, density) = RowMath.normalDistributionAndDensity(v)
                        d[i] = g[i] * (cdf + v * density)
                    }
                }]
            }
        case .tanh:
            let result = mapElements { x, y, n in
                for i in 0..<n {
                    let v = x[i]
                    let inner = GELUConstants.squareRootTwoOverPi * (v + GELUConstants.cubicCoefficient * v * v * v)
                    y[i] = 0.5 * v * (1 + tanhf(inner))
                }
            }
            return Tensor.record(result, op: "gelu", inputs: [self]) { g in
                // With u = √(2/π)(x + c·x³) and t = tanh u:
                // d/dx = 0.5(1 + t) + 0.5·x·(1 − t²)·√(2/π)(1 + 3c·x²).
                [Tensor.zipElements(g, self) { g, x, d, n in
                    for i in 0..<n {
                        let v = x[i]
                        let c = GELUConstants.cubicCoefficient
                        let t = tanhf(GELUConstants.squareRootTwoOverPi * (v + c * v * v * v))
                        let du = GELUConstants.squareRootTwoOverPi * (1 + 3 * c * v * v)
                        d[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
                    }
                }]
            }
        }
    }

    /// x·σ(x) (swish). Backward: G·σ(X)·(1 + X·(1 − σ(X))).
    public func silu() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = x[i] / (1 + expf(-x[i])) } }
        return Tensor.record(result, op: "silu", inputs: [self]) { g in
            [Tensor.zipElements(g, self) { g, x, d, n in
                for i in 0..<n {
                    let s = 1 / (1 + expf(-x[i]))
                    d[i] = g[i] * s * (1 + x[i] * (1 - s))
                }
            }]
        }
    }

    /// Elements limited to [min, max] (either bound optional). Backward: G where min ≤ X ≤ max,
    /// else 0 — PyTorch's convention, so the gradient passes at the bounds themselves.
    public func clamped(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        if let lower, let upper {
            precondition(lower <= upper, "clamped: min \(lower) is greater than max \(upper) for \(shape)")
        }
        let low = lower ?? -.infinity, high = upper ?? .infinity
        let result = mapElements { x, y, n in
            for i in 0..<n {
                let v = x[i]
                y[i] = v < low ? low : (v > high ? high : v)
            }
        }
        return Tensor.record(result, op: "clamp", inputs: [self]) { g in
            [Tensor.zipElements(g, self) { g, x, d, n in
                for i in 0..<n { d[i] = x[i] >= low && x[i] <= high ? g[i] : 0 }
            }]
        }
    }

    /// xᵖ for a scalar exponent p. Backward: G·p·Xᵖ⁻¹ (0 when p = 0, as in PyTorch).
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return squared() }
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = powf(x[i], exponent) } }
        return Tensor.record(result, op: "pow", inputs: [self]) { g in
            if exponent == 0 { return [Tensor.zeros(self.shape)] }
            return [Tensor.zipElements(g, self) { g, x, d, n in
                for i in 0..<n { d[i] = g[i] * exponent * powf(x[i], exponent - 1) }
            }]
        }
    }

    /// x². Backward: 2·G·X.
    public func squared() -> Tensor {
        let result = mapElements { x, y, n in for i in 0..<n { y[i] = x[i] * x[i] } }
        return Tensor.record(result, op: "square", inputs: [self]) { g in
            [Tensor.zipElements(g, self) { g, x, d, n in for i in 0..<n { d[i] = 2 * g[i] * x[i] } }]
        }
    }
}

/// Constants of the two GELU forms.
enum GELUConstants {
    static let inverseSquareRootTwo: Float = 0.70710678118654752
    static let inverseSquareRootTwoPi: Float = 0.39894228040143268
    static let squareRootTwoOverPi: Float = 0.79788456080286536
    static let cubicCoefficient: Float = 0.044715
}
