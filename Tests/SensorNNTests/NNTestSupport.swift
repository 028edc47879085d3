import Testing
import SensorTensor

/// Checks |actual − expected| <= tolerance element-wise and reports the first differences.
func expectValues(_ actual: Tensor, _ expected: [Float], shape: [Int]? = nil, tolerance: Float = 1e-5,
                  _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape, actual.shape != shape {
        Issue.record("\(label): shape \(actual.shape) != expected \(shape)", sourceLocation: sourceLocation)
        return
    }
    let values = actual.scalars
    guard values.count == expected.count else {
        Issue.record("\(label): \(values.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let bad = zip(values, expected).enumerated().filter { !(abs($0.element.0 - $0.element.1) <= tolerance) }
    if !bad.isEmpty {
        let first = bad.prefix(4).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" }.joined(separator: ", ")
        Issue.record("\(label): \(bad.count) values differ by more than \(tolerance): \(first)", sourceLocation: sourceLocation)
    }
}

/// Compares autograd gradients of the scalar `function()` with central finite differences
/// (f(x + h) − f(x − h)) / 2h, accumulated in Double, moving one element of one input at a time.
/// The tolerance is relative to the largest numeric gradient magnitude (plus 1 absolute scale).
func expectFiniteDifferenceGradients(_ inputs: [Tensor], step: Float = 1e-2, tolerance: Double = 2e-3,
                                     _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation,
                                     _ function: () -> Tensor) {
    for input in inputs {
        input.requiresGrad = true
        input.grad = nil
    }
    let output = function()
    guard output.count == 1 else {
        Issue.record("\(label): function must return a scalar, got \(output.shape)", sourceLocation: sourceLocation)
        return
    }
    output.backward()
    for (inputIndex, input) in inputs.enumerated() {
        guard let analytic = input.grad?.scalars else {
            Issue.record("\(label): input \(inputIndex) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        var numeric = [Double](repeating: 0, count: input.count)
        for i in 0..<input.count {
            let original = input.scalars[i]
            func evaluate(_ value: Float) -> Double {
                input.withUnsafeMutableBufferPointer { $0[i] = value }
                return Double(withNoGrad { function() }.item)
            }
            let plus = evaluate(original + step), minus = evaluate(original - step)
            input.withUnsafeMutableBufferPointer { $0[i] = original }
            numeric[i] = (plus - minus) / (2 * Double(step))
        }
        let scale = numeric.reduce(0) { max($0, abs($1)) }
        for i in 0..<input.count where !(abs(Double(analytic[i]) - numeric[i]) <= tolerance * (1 + scale)) {
            Issue.record("\(label): input \(inputIndex) \(input.shape) element \(i): autograd \(analytic[i]) vs finite difference \(numeric[i])",
                         sourceLocation: sourceLocation)
            break
        }
    }
}

/// A tensor with values drawn uniformly from [low, high) by a seeded generator.
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, generator: &generator)
}
