import Foundation

/// Agreement of two measurement methods (Bland & Altman, Lancet 1986): the mean difference
/// (prediction − reference) and the 95 % limits of agreement, bias ± 1.96·SD of the differences.
public struct BlandAltman: Sendable, Codable, Equatable {
    public var bias: Double
    /// Sample standard deviation (n − 1) of the differences.
    public var standardDeviation: Double
    public var lowerLimit: Double
    public var upperLimit: Double

    /// Nil for fewer than two pairs.
    public init?(predictions: [Float], references: [Float]) {
        precondition(predictions.count == references.count,
                     "BlandAltman: \(predictions.count) predictions for \(references.count) references")
        let n = predictions.count
        guard n >= 2 else { return nil }
        let differences = zip(predictions, references).map { Double($0) - Double($1) }
        bias = differences.reduce(0, +) / Double(n)
        let mean = bias
        standardDeviation = (differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
        lowerLimit = bias - 1.96 * standardDeviation
        upperLimit = bias + 1.96 * standardDeviation
    }
}

/// One point of a Bland–Altman plot: the mean of the two methods and their difference.
public struct BlandAltmanPoint: Sendable, Codable, Equatable {
    public var mean: Double
    public var difference: Double
    public var subject: String
}

/// Error and agreement metrics of a regression, in the target's unit.
public enum RegressionMetrics {
    /// Mean absolute error; nil when empty.
    public static func meanAbsoluteError(predictions: [Float], references: [Float]) -> Double? {
        check("meanAbsoluteError", predictions, references)
        guard !predictions.isEmpty else { return nil }
        return zip(predictions, references).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(predictions.count)
    }

    /// Root mean squared error; nil when empty.
    public static func rootMeanSquaredError(predictions: [Float], references: [Float]) -> Double? {
        check("rootMeanSquaredError", predictions, references)
        guard !predictions.isEmpty else { return nil }
        let sum = zip(predictions, references).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        return (sum / Double(predictions.count)).squareRoot()
    }

    /// Pearson correlation; nil for fewer than two pairs or a constant series (undefined, not NaN).
    public static func pearson(_ x: [Float], _ y: [Float]) -> Double? {
        check("pearson", x, y)
        let n = Double(x.count)
        guard x.count >= 2 else { return nil }
        let meanX = x.reduce(0.0) { $0 + Double($1) } / n, meanY = y.reduce(0.0) { $0 + Double($1) } / n
        var covariance = 0.0, varianceX = 0.0, varianceY = 0.0
        for (a, b) in zip(x, y) {
            let dx = Double(a) - meanX, dy = Double(b) - meanY
            covariance += dx * dy
            varianceX += dx * dx
            varianceY += dy * dy
        }
        guard varianceX > 0, varianceY > 0 else { return nil }
        return covariance / (varianceX * varianceY).squareRoot()
    }

    /// At most `limit` Bland–Altman points, an evenly spaced subsample in window order (for plots).
    public static func blandAltmanPoints(predictions: [Float], references: [Float], subjects: [String],
                                         limit: Int = 2000) -> [BlandAltmanPoint] {
        check("blandAltmanPoints", predictions, references)
        let n = predictions.count, step = max(1, (n + limit - 1) / max(limit, 1))
        return stride(from: 0, to: n, by: step).map { i in
            BlandAltmanPoint(mean: (Double(predictions[i]) + Double(references[i])) / 2,
                             difference: Double(predictions[i]) - Double(references[i]), subject: subjects[i])
        }
    }

    private static func check(_ op: String, _ a: [Float], _ b: [Float]) {
        precondition(a.count == b.count, "\(op): \(a.count) values against \(b.count)")
    }
}
