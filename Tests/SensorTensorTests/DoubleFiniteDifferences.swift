import Testing
@testable import SensorTensor

/// Checks an op's Float32 backward against central finite differences of an independent
/// Double-precision reference of its forward.
///
/// `engine` runs the op on `inputs` (forward once, then backward with fixed random upstream weights
/// w in [−1, 1)); `reference` is the same op written in plain Double loops. The engine's output
/// must match the reference's, and each input element's gradient must match
/// (L(x + h) − L(x − h)) / 2h with L = Σ w·reference(x) evaluated wholly in Double (h = 1e-6), so
/// the finite difference carries ~1e-9 error and the tolerance measures the engine's gradient alone.
/// Constant operands (masks, indices, running statistics) are captured by both closures.
///
/// Both comparisons allow 1e-6 · (1 + max|reference|): Float32 rounding gives at most 1.6e-7 on
/// every op checked here, while a wrong formula is off by a sizeable fraction of the gradient.
func expectGradientsMatchDoubleFiniteDifferences(
    _ inputs: [Tensor], _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    engine: ([Tensor]) -> Tensor, reference: ([DoubleTensor]) -> DoubleTensor
) {
    let step = 1e-6, tolerance = 1e-6
    for input in inputs { input.requiresGrad = true; input.grad = nil }
    let output = engine(inputs)
    var generator = RandomGenerator(seed: 1234)
    let upstream = Tensor.uniform(output.shape, low: -1, high: 1, generator: &generator)
    output.backward(gradient: upstream)
    let weights = upstream.scalars.map(Double.init)

    let point = inputs.map(DoubleTensor.init)
    let expected = reference(point)
    let shapes = "inputs \(inputs.map(\.shape)) -> \(output.shape)"
    guard expected.shape == output.shape else {
        Issue.record("\(label): engine output \(output.shape) but reference \(expected.shape) (\(shapes))", sourceLocation: sourceLocation)
        return
    }
    if let failure = firstMismatch(output.scalars.map(Double.init), expected.values, relative: tolerance) {
        Issue.record("\(label): forward \(shapes) at \(expected.index(failure.element)): engine \(failure.actual) vs Double reference \(failure.expected) (tolerance \(failure.tolerance))",
                     sourceLocation: sourceLocation)
    }

    func probe(_ arguments: [DoubleTensor]) -> Double {
        let values = reference(arguments).values
        var total = 0.0
        for i in 0..<values.count { total += weights[i] * values[i] }
        return total
    }
    for (inputIndex, input) in inputs.enumerated() {
        guard let analytic = input.grad else {
            Issue.record("\(label): input \(inputIndex) \(input.shape) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        var numeric = [Double](repeating: 0, count: input.count)
        var arguments = point
        for i in 0..<input.count {
            let original = point[inputIndex].values[i]
            arguments[inputIndex].values[i] = original + step
            let plus = probe(arguments)
            arguments[inputIndex].values[i] = original - step
            let minus = probe(arguments)
            arguments[inputIndex].values[i] = original
            numeric[i] = (plus - minus) / (2 * step)
        }
        if let failure = firstMismatch(analytic.scalars.map(Double.init), numeric, relative: tolerance) {
            Issue.record("\(label): gradient of input \(inputIndex) (\(shapes)) at \(point[inputIndex].index(failure.element)): engine \(failure.actual) vs Double finite difference \(failure.expected) (tolerance \(failure.tolerance))",
                         sourceLocation: sourceLocation)
        }
    }
}

/// The first element where |actual − expected| > relative · (1 + max|expected|), if any.
private func firstMismatch(_ actual: [Double], _ expected: [Double], relative: Double)
    -> (element: Int, actual: Double, expected: Double, tolerance: Double)? {
    let scale = expected.reduce(0) { max($0, abs($1)) }
    let tolerance = relative * (1 + scale)
    for i in 0..<actual.count where !(abs(actual[i] - expected[i]) <= tolerance) {
        return (i, actual[i], expected[i], tolerance)
    }
    return nil
}
