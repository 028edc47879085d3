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
