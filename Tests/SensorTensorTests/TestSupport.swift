import Testing
@testable import SensorTensor

/// Checks per element that |actual − expected| <= absolute + relative · max|expected|, and on failure
/// reports the shapes, the largest difference and the first differing values.
func expectClose(_ actual: Tensor, _ expected: Tensor, relative: Float = 1e-5, absolute: Float = 1e-7,
                 _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape) != expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars, e = expected.scalars
    let scale = e.reduce(Float(0)) { max($0, abs($1)) }
    let tolerance = absolute + relative * scale
    var worst: Float = 0
    var firstBad: [String] = []
    for i in 0..<a.count {
        let difference = abs(a[i] - e[i])
        if !(difference <= tolerance) {
            worst = max(worst, difference.isNaN ? .infinity : difference)
            if firstBad.count < 5 { firstBad.append("[\(i)] \(a[i]) vs \(e[i])") }
        }
    }
    if !firstBad.isEmpty {
        Issue.record("\(label): shape \(actual.shape), max |diff| \(worst) > tolerance \(tolerance); first: \(firstBad.joined(separator: ", "))",
                     sourceLocation: sourceLocation)
    }
}

/// Central finite-difference check of reverse-mode gradients.
///
/// The scalar probe is L = Σ wᵢ·fᵢ(x) with fixed random weights, accumulated in Double; each
/// input element is moved by ±`step` and (L⁺ − L⁻)/(2·step) is compared with the autograd
/// gradient within `tolerance` relative to the gradient's largest magnitude (plus `tolerance`
/// absolute). `function` must be deterministic (no fresh randomness between calls).
func expectGradientsMatchFiniteDifferences(_ inputs: [Tensor], step: Float = 1e-2, tolerance: Double = 2e-3,
                                           _ label: String = "",
                                           sourceLocation: SourceLocation = #_sourceLocation,
                                           _ function: ([Tensor]) -> Tensor) {
    for input in inputs { input.requiresGrad = true; input.grad = nil }
    let output = function(inputs)
    var generator = RandomGenerator(seed: 1234)
    let weights = Tensor.uniform(output.shape, low: -1, high: 1, generator: &generator)
    output.backward(gradient: weights)
    let weightValues = weights.scalars.map(Double.init)
    func probe() -> Double {
        let values = withNoGrad { function(inputs) }.scalars
        var total = 0.0
        for i in 0..<values.count { total += Double(values[i]) * weightValues[i] }
        return total
    }
    for (inputIndex, input) in inputs.enumerated() {
        guard let analytic = input.grad?.scalars else {
            Issue.record("\(label): input \(inputIndex) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        var numeric = [Double](repeating: 0, count: input.count)
        for i in 0..<input.count {
            let original = input.data[i]
            input.data[i] = original + step
            let plus = probe()
            input.data[i] = original - step
            let minus = probe()
            input.data[i] = original
            numeric[i] = (plus - minus) / (2 * Double(step))
        }
        let scale = numeric.reduce(0) { max($0, abs($1)) }
        for i in 0..<input.count where !(abs(Double(analytic[i]) - numeric[i]) <= tolerance * (1 + scale)) {
            Issue.record("\(label): input \(inputIndex) shape \(input.shape) element \(i): autograd \(analytic[i]) vs finite difference \(numeric[i])",
                         sourceLocation: sourceLocation)
            break
        }
    }
}
