import Foundation
import SensorData

/// The classical feature baseline: `ClassicalFeatures`, standardised on the training windows,
/// with logistic regression (classes) or ridge regression (values).
public struct FeatureBaseline: Sendable {
    public var regularization: Double
    public var iterations: Int

    public init(regularization: Double = 1e-3, iterations: Int = 300) {
        self.regularization = regularization
        self.iterations = iterations
    }

    /// Fits on `training` and predicts the windows of `test` (targets of the same window set); pass
    /// `cache` (over `windows`) to share the extracted features between calls.
    public func fitAndPredict(windows: WindowSet, training: TaskTargets, test: TaskTargets,
                              cache: FeatureCache? = nil) throws(EvaluationError) -> Predictions {
        guard training.count > 0 else { throw .noTrainingWindows(task: training.task.name) }
        let columns = ClassicalFeatures.names(modalities: windows.modalities).count
        func features(_ indices: [Int]) -> [Float] {
            cache.map { $0.features(indices) } ?? ClassicalFeatures.extract(windows: windows, indices: indices)
        }
        let trainingFeatures = features(training.windowIndices)
        let standardizer = FeatureStandardizer(features: trainingFeatures, columns: columns)
        let x = standardizer.apply(trainingFeatures)
        let xTest = standardizer.apply(features(test.windowIndices))
        let task = training.task
        switch task.kind {
        case .classification:
            let model = LogisticRegression(features: x, classes: training.classes, classCount: task.classCount,
                                           regularization: regularization, iterations: iterations)
            let probabilities = model.probabilities(xTest)
            let classes = test.windowIndices.indices.map { row in
                (0..<task.classCount).max { probabilities[row * task.classCount + $0] < probabilities[row * task.classCount + $1] }!
            }
            return Predictions(task: task, windowIndices: test.windowIndices, subjects: test.subjects, classes: classes,
                               probabilities: probabilities.map(Float.init))
        case .regression:
            // Ridge's λ is on the sum of squares, so scale it with the sample count.
            let model = RidgeRegression(features: x, targets: training.values.map(Double.init),
                                        regularization: regularization * Double(training.count))
            return Predictions(task: task, windowIndices: test.windowIndices, subjects: test.subjects,
                               values: model.predict(xTest).map(Float.init))
        }
    }
}
