import Foundation
import SensorTensor

/// Multinomial logistic regression with L2 regularisation, fitted by full-batch gradient descent
/// on standardised features (the loss is convex, so a fixed step of 0.5 over a few hundred
/// iterations converges on standardised inputs). Computed in Double.
public struct LogisticRegression: Sendable, Codable, Equatable {
    public var classCount: Int
    public var featureCount: Int
    /// [classCount · featureCount] row-major.
    public var weights: [Double]
    public var biases: [Double]

    /// Fits on `features` [N · F] (already standardised) and `classes` (N indices in 0..<classCount).
    /// The penalty λ/2·‖W‖² excludes the biases.
    public init(features: [Double], classes: [Int], classCount: Int, regularization: Double = 1e-3,
                iterations: Int = 300, stepSize: Double = 0.5) {
        let n = classes.count
        precondition(n > 0 && features.count % n == 0, "LogisticRegression: \(features.count) feature values for \(n) samples")
        precondition(classCount >= 2 && classes.allSatisfy { (0..<classCount).contains($0) },
                     "LogisticRegression: classes must be in 0..<\(classCount) with classCount >= 2")
        let f = features.count / n
        self.classCount = classCount
        featureCount = f
        weights = [Double](repeating: 0, count: classCount * f)
        biases = [Double](repeating: 0, count: classCount)
        var gradientW = [Double](repeating: 0, count: classCount * f), gradientB = [Double](repeating: 0, count: classCount)
        var probabilities = [Double](repeating: 0, count: classCount)
        for _ in 0..<iterations {
            for i in gradientW.indices { gradientW[i] = regularization * weights[i] }
            for c in 0..<classCount { gradientB[c] = 0 }
            features.withUnsafeBufferPointer { x in
                for sample in 0..<n {
                    let row = x.baseAddress! + sample * f
                    softmax(row, into: &probabilities)
                    probabilities[classes[sample]] -= 1
                    for c in 0..<classCount {
                        let error = probabilities[c] / Double(n)
                        gradientB[c] += error
                        for j in 0..<f { gradientW[c * f + j] += error * row[j] }
                    }
                }
            }
            for i in weights.indices { weights[i] -= stepSize * gradientW[i] }
            for c in 0..<classCount { biases[c] -= stepSize * gradientB[c] }
        }
    }

    /// Class probabilities [N · C] for standardised `features` [N · F].
    public func probabilities(_ features: [Double]) -> [Double] {
        let n = features.count / featureCount
        var result = [Double](repeating: 0, count: n * classCount), row = [Double](repeating: 0, count: classCount)
        features.withUnsafeBufferPointer { x in
            for sample in 0..<n {
                softmax(x.baseAddress! + sample * featureCount, into: &row)
                for c in 0..<classCount { result[sample * classCount + c] = row[c] }
            }
        }
        return result
    }

    private func softmax(_ x: UnsafePointer<Double>, into output: inout [Double]) {
        var largest = -Double.infinity
        for c in 0..<classCount {
            var logit = biases[c]
            for j in 0..<featureCount { logit += weights[c * featureCount + j] * x[j] }
            output[c] = logit
            largest = max(largest, logit)
        }
        var total = 0.0
        for c in 0..<classCount { output[c] = exp(output[c] - largest); total += output[c] }
        for c in 0..<classCount { output[c] /= total }
    }
}

/// Ridge regression, minimising ‖Xw + b − y‖² + λ‖w‖² (bias unpenalised), solved through LAPACKE
/// as the least-squares problem of the augmented system [X 1; √λ·I 0]·[w; b] = [y; 0].
public struct RidgeRegression: Sendable, Codable, Equatable {
    public var weights: [Double]
    public var bias: Double

    /// Fits on `features` [N · F] and `targets` (N values).
    public init(features: [Double], targets: [Double], regularization: Double = 1) {
        let n = targets.count
        precondition(n > 0 && features.count % n == 0, "RidgeRegression: \(features.count) feature values for \(n) targets")
        precondition(regularization >= 0, "RidgeRegression: regularization must be >= 0, got \(regularization)")
        let f = features.count / n, columns = f + 1, rows = n + f
        var matrix = [Float](repeating: 0, count: rows * columns), rightHandSide = [Float](repeating: 0, count: rows)
        for i in 0..<n {
            for j in 0..<f { matrix[i * columns + j] = Float(features[i * f + j]) }
            matrix[i * columns + f] = 1
            rightHandSide[i] = Float(targets[i])
        }
        let root = Float(regularization.squareRoot())
        for j in 0..<f { matrix[(n + j) * columns + j] = root }
        let solution = LinearAlgebra.leastSquares(Tensor(shape: [rows, columns], scalars: matrix),
                                                  Tensor(shape: [rows], scalars: rightHandSide)).scalars.map(Double.init)
        weights = Array(solution[0..<f])
        bias = solution[f]
    }

    /// Predictions for `features` [N · F].
    public func predict(_ features: [Double]) -> [Double] {
        let f = weights.count
        return stride(from: 0, to: features.count, by: f).map { start in
            (0..<f).reduce(bias) { $0 + weights[$1] * features[start + $1] }
        }
    }
}
