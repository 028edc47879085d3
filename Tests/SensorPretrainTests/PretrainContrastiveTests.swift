import Foundation
import Testing
@testable import SensorPretrain
import SensorNN
import SensorTensor

@Suite struct PretrainContrastiveTests {
    /// Unit vectors at 0°, 60° and 180° (given at other lengths): neighbour distances 1, 1 and √3,
    /// so KoLeo = −(ln 1 + ln 1 + ln √3)/3 = −ln 3 / 6.
    @Test func koLeoMatchesAHandComputedValue() {
        let points = Tensor(shape: [3, 2], scalars: [2, 0, 1.5, 1.5 * 3.0.squareRoot(), -0.5, 0].map(Float.init))
        let expected = Float(-log(3.0) / 6)
        #expect(abs(ContrastiveLoss.koLeo(points).item - expected) < 1e-5)
    }

    @Test func koLeoGradientMatchesFiniteDifferences() {
        var generator = RandomGenerator(seed: 11)
        let points = Tensor.normal([5, 3], generator: &generator, requiresGrad: true)
        let loss = ContrastiveLoss.koLeo(points)
        loss.backward()
        let analytic = points.grad!.scalars
        let step: Float = 1e-3
        for i in 0..<points.count {
            let original = points[element: i]
            points[element: i] = original + step
            let plus = Double(withNoGrad { ContrastiveLoss.koLeo(points) }.item)
            points[element: i] = original - step
            let minus = Double(withNoGrad { ContrastiveLoss.koLeo(points) }.item)
            points[element: i] = original
            let numeric = (plus - minus) / (2 * Double(step))
            #expect(abs(numeric - Double(analytic[i])) < 2e-2 * max(1, abs(numeric)), "element \(i): \(analytic[i]) vs \(numeric)")
        }
    }

    /// Subjects [a, a, b], unit queries = keys, τ = 1: logits are the identity. Rows 0 and 1 take
    /// each other as positive: −log(1/(e + 2)); row 2 has no partner and takes its own key:
    /// −log(e/(e + 2)). Mean: ln(e + 2) − 1/3.
    @Test func subjectInfoNCEMatchesAHandComputedValue() {
        let unit = Tensor(shape: [3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let result = ContrastiveLoss.subjectInfoNCE(queries: unit, keys: unit, subjects: ["a", "a", "b"], temperature: 1)
        #expect(abs(result.loss.item - Float(log(exp(1.0) + 2) - 1.0 / 3)) < 1e-5)
        #expect(abs(result.positivesPerQuery - 1) < 1e-6)
    }

    @Test func subjectInfoNCEWithDistinctSubjectsIsInfoNCE() {
        var generator = RandomGenerator(seed: 12)
        let queries = Tensor.normal([4, 5], generator: &generator), keys = Tensor.normal([4, 5], generator: &generator)
        let subject = ContrastiveLoss.subjectInfoNCE(queries: queries, keys: keys, subjects: ["a", "b", "c", "d"], temperature: 0.3)
        #expect(abs(subject.loss.item - Loss.infoNCE(queries: queries, keys: keys, temperature: 0.3).item) < 1e-5)
    }

    @Test func momentumUpdateFollowsTheClosedForm() {
        var generator = RandomGenerator(seed: 13)
        let online = Sequential([Linear(inputDimensions: 3, outputDimensions: 2, generator: &generator), BatchNorm1d(features: 2)])
        let target = Sequential([Linear(inputDimensions: 3, outputDimensions: 2, generator: &generator), BatchNorm1d(features: 2)])
        let before = target.parameters().map(\.scalars), onlineValues = online.parameters().map(\.scalars)
        online.namedBuffers()[0].1.assign(Tensor(shape: [2], scalars: [0.5, -1]))
        MomentumUpdate.apply(target: target, online: online, momentum: 0.9)
        for (index, parameter) in target.parameters().enumerated() {
            let expected = zip(before[index], onlineValues[index]).map { 0.9 * $0 + 0.1 * $1 }
            expectAllClose(parameter.scalars, expected, tolerance: 1e-6, "parameter \(index)")
        }
        #expect(target.namedBuffers()[0].1.scalars == [0.5, -1])
    }

    @Test func effectiveRankOfKnownMatrices() {
        var identity = [Float](repeating: 0, count: 16)
        for i in 0..<4 { identity[i * 4 + i] = 1 }
        #expect(abs(CollapseMonitor.effectiveRank(Tensor(shape: [4, 4], scalars: identity)) - 4) < 1e-4)
        // Rank one: the outer product of (1, 2, 3) and (1, −1, 0.5, 2).
        let u: [Float] = [1, 2, 3], v: [Float] = [1, -1, 0.5, 2]
        let outer = Tensor(shape: [3, 4], scalars: u.flatMap { a in v.map { a * $0 } })
        #expect(abs(CollapseMonitor.effectiveRank(outer) - 1) < 1e-3)
        // Singular values 3 and 1: p = (3/4, 1/4), exp(H) = exp(−¾ ln ¾ − ¼ ln ¼) ≈ 1.7548.
        let diagonal = Tensor(shape: [2, 2], scalars: [3, 0, 0, 1])
        #expect(abs(CollapseMonitor.effectiveRank(diagonal) - 1.7548) < 1e-3)
    }

    @Test func embeddingStandardDeviationDetectsCollapse() {
        let collapsed = Tensor(shape: [3, 2], scalars: [1, 1, 2, 2, 3, 3])
        #expect(abs(CollapseMonitor.embeddingStandardDeviation(collapsed)) < 1e-6)
        // Rows (1, 0) and (0, 5) normalise to e1, e2: each dimension holds {1, 0}, std ½.
        let spread = Tensor(shape: [2, 2], scalars: [1, 0, 0, 5])
        #expect(abs(CollapseMonitor.embeddingStandardDeviation(spread) - 0.5) < 1e-6)
    }

    @Test func crossModalLossIsSymmetricInfoNCE() {
        var generator = RandomGenerator(seed: 14)
        let a = Tensor.normal([4, 3], generator: &generator), b = Tensor.normal([4, 3], generator: &generator)
        let forward = Loss.infoNCE(queries: a, keys: b, temperature: 0.5).item
        let backward = Loss.infoNCE(queries: b, keys: a, temperature: 0.5).item
        #expect(abs(ContrastiveLoss.symmetricInfoNCE(a, b, temperature: 0.5).item - (forward + backward) / 2) < 1e-6)
    }
}
