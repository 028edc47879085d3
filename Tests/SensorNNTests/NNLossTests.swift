import Foundation
import Testing
import SensorTensor
@testable import SensorNN

@Suite struct NNLossTests {
    @Test func regressionLossesMatchHandValues() {
        let prediction = Tensor(shape: [2], scalars: [1, 2]), zero = Tensor.zeros([2])
        expectValues(Loss.mse(prediction, zero), [2.5])  // (1 + 4)/2
        expectValues(Loss.l1(prediction, zero), [1.5])
        // d = [0.5, 3], δ = 1: ½·0.25 and 1·(3 − 0.5)
        expectValues(Loss.huber(Tensor(shape: [2], scalars: [0.5, 3]), zero, delta: 1), [(0.125 + 2.5) / 2])
    }

    @Test func crossEntropyHandValues() {
        expectValues(Loss.crossEntropy(Tensor.zeros([1, 2]), targets: [0]), [Float(log(2.0))])
        // log-probabilities [log ¼, log ¾]; smoothing 0.2 over 2 classes: targets [0.1, 0.9]
        let logits = Tensor(shape: [1, 2], scalars: [0, Float(log(3.0))])
        expectValues(Loss.crossEntropy(logits, targets: [1], labelSmoothing: 0.2),
                     [Float(-(0.1 * log(0.25) + 0.9 * log(0.75)))])
        // The ignored second row counts neither in the sum nor in the mean.
        let twoRows = Tensor(shape: [2, 2], scalars: [0, 0, 100, -100])
        expectValues(Loss.crossEntropy(twoRows, targets: [0, -100], ignoreIndex: -100), [Float(log(2.0))])
    }

    @Test func binaryCrossEntropyIsStableForLargeLogits() {
        let logits = Tensor(shape: [3], scalars: [0, 100, -100])
        let targets = Tensor(shape: [3], scalars: [1, 0, 0])
        // ln 2, 100, ≈ e^−100
        expectValues(Loss.binaryCrossEntropyWithLogits(logits, targets: targets), [(Float(log(2.0)) + 100) / 3], tolerance: 1e-4)
    }

    @Test func cosineSimilarityAndKLDivergenceHandValues() {
        let a = Tensor(shape: [2, 2], scalars: [1, 0, 3, 4]), b = Tensor(shape: [2, 2], scalars: [1, 1, -3, -4])
        expectValues(Loss.cosineSimilarity(a, b, axis: 1), [Float(1 / 2.0.squareRoot()), -1], shape: [2])
        // teacher softmax [¼, ¾], student [½, ½]: ¼ log(¼/½) + ¾ log(¾/½)
        let teacher = Tensor(shape: [1, 2], scalars: [0, Float(log(3.0))])
        expectValues(Loss.klDivergence(student: Tensor.zeros([1, 2]), teacher: teacher),
                     [Float(0.25 * log(0.5) + 0.75 * log(1.5))])
        // With T = 2 the logits are halved and the result scaled by 4.
        let doubled = Tensor(shape: [1, 2], scalars: [0, Float(2 * log(3.0))])
        expectValues(Loss.klDivergence(student: Tensor.zeros([1, 2]), teacher: doubled, temperature: 2),
                     [Float(4 * (0.25 * log(0.5) + 0.75 * log(1.5)))])
        expectValues(Loss.klDivergence(student: teacher, teacher: teacher), [0])
    }

    @Test func contrastiveLossesHandValues() {
        // Rows a, b, a′, b′ with a = [1, 0], b = [0, 1] (after normalising [2, 0] and [0, 3]).
        // Each row sees its positive at similarity 1 and two negatives at 0: −log(e / (e + 2)).
        let views = Tensor(shape: [4, 2], scalars: [2, 0, 0, 3, 1, 0, 0, 1])
        expectValues(Loss.ntXent(views, temperature: 1), [Float(log(1 + 2 / M_E))])
        // Logits [[2, 0], [0, 2]] at temperature ½: −log(e² / (e² + 1)) = log(1 + e^−2).
        let identity = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        expectValues(Loss.infoNCE(queries: identity, keys: identity, temperature: 0.5), [Float(log(1 + exp(-2.0)))])
    }

    @Test func regressionLossGradientsMatchFiniteDifferences() {
        let prediction = randomTensor([3, 4], seed: 1, low: -2, high: 2), target = randomTensor([3, 4], seed: 2)
        expectFiniteDifferenceGradients([prediction, target], "mse") { Loss.mse(prediction, target) }
        expectFiniteDifferenceGradients([prediction, target], step: 1e-3, "l1") { Loss.l1(prediction, target) }
        expectFiniteDifferenceGradients([prediction, target], step: 1e-3, "huber") {
            Loss.huber(prediction, target, delta: 0.5)
        }
    }

    @Test func classificationLossGradientsMatchFiniteDifferences() {
        let logits = randomTensor([4, 5], seed: 3, low: -2, high: 2)
        expectFiniteDifferenceGradients([logits], "crossEntropy") {
            Loss.crossEntropy(logits, targets: [1, 0, 4, 2], labelSmoothing: 0.1, ignoreIndex: 2)
        }
        let targets = randomTensor([4, 5], seed: 4, low: 0, high: 1)
        expectFiniteDifferenceGradients([logits], "binaryCrossEntropyWithLogits") {
            Loss.binaryCrossEntropyWithLogits(logits, targets: targets)
        }
        let teacher = randomTensor([4, 5], seed: 5, low: -2, high: 2)
        expectFiniteDifferenceGradients([logits, teacher], "klDivergence") {
            Loss.klDivergence(student: logits, teacher: teacher, temperature: 2)
        }
    }

    @Test func similarityLossGradientsMatchFiniteDifferences() {
        let a = randomTensor([3, 4], seed: 6), b = randomTensor([3, 4], seed: 7)
        expectFiniteDifferenceGradients([a, b], "cosineSimilarity") { Loss.cosineSimilarity(a, b).sum() }
        let views = randomTensor([6, 4], seed: 8)
        expectFiniteDifferenceGradients([views], "ntXent") { Loss.ntXent(views, temperature: 0.5) }
        expectFiniteDifferenceGradients([a, b], "infoNCE") { Loss.infoNCE(queries: a, keys: b, temperature: 0.5) }
    }
}
