import Foundation
import Testing
@testable import SensorPretrain
import SensorNN
import SensorTensor

@Suite struct TrivialBaselineTests {
    /// One value per patch. Token 0 holds 1, 2, 3 (all counted): mean 2, squared errors 1 + 0 + 1,
    /// 2 degrees of freedom. Token 1 holds 5, 7, 100 with the 100 not counted: mean 6, squared errors
    /// 1 + 1, 1 degree of freedom. Token 2 has one counted patch only and is skipped. So 4 / 3. A
    /// second modality with nothing counted has no baseline.
    @Test func meanPatchErrorMatchesAHandComputedValue() {
        let target = Tensor(shape: [3, 3, 1], scalars: [1, 5, 9, 2, 7, -4, 3, 100, 0])
        let weight = Tensor(shape: [3, 3, 1], scalars: [1, 1, 1, 1, 1, 0, 1, 0, 0])
        let empty = Tensor.zeros([3, 1, 1])
        let result = TrivialBaseline.meanPatchSquaredError(targets: [target, Tensor.ones([3, 1, 2])], weights: [weight, empty])
        #expect(result.count == 2)
        #expect(abs((result[0] ?? .nan) - 4.0 / 3) < 1e-6)
        #expect(result[1] == nil)
    }

    /// Two values per patch: the baseline is the mean over values of each value's sample variance
    /// (n − 1) across the counted rows. Rows (0, 10), (2, 10), (4, 16): variances 8/2 and 24/2.
    @Test func meanPatchErrorAveragesOverPatchValues() {
        let target = Tensor(shape: [3, 1, 2], scalars: [0, 10, 2, 10, 4, 16])
        let result = TrivialBaseline.meanPatchSquaredError(targets: [target], weights: [Tensor.ones([3, 1, 1])])
        #expect(abs((result[0] ?? .nan) - 8) < 1e-5)
    }

    /// For independent draws the estimate is unbiased: standard normal patches (true mean patch 0,
    /// error 1) give about 1 even with 4 counted rows per position, where the plain fitted-mean error
    /// would be 3/4.
    @Test func meanPatchErrorIsUnbiasedForSmallBatches() {
        var generator = RandomGenerator(seed: 21)
        let target = Tensor.normal([4, 2000, 4], generator: &generator)
        let estimate = TrivialBaseline.meanPatchSquaredError(targets: [target], weights: [Tensor.ones([4, 2000, 1])])[0] ?? .nan
        #expect(abs(estimate - 1) < 0.03, "estimate \(estimate)")
    }

    /// The same patch in every window is predicted exactly by the mean patch.
    @Test func meanPatchErrorOfIdenticalPatchesIsZero() {
        let patch: [Float] = [0.5, -1, 2, 3]
        let target = Tensor(shape: [4, 2, 2], scalars: Array([[Float]](repeating: patch, count: 4).joined()))
        #expect(TrivialBaseline.meanPatchSquaredError(targets: [target], weights: [Tensor.ones([4, 2, 1])])[0] == 0)
    }

    /// N = 2 pairs, rows 0/2 and 1/3 are partners (lengths vary; only directions count). With
    /// x = (1, 0), y = (0.6, 0.8), w = (0.8, 0.6): rows x, y, x, w retrieve all partners; with
    /// z = (0.8, −0.6) in place of w, y's nearest is x (0.6 > 0) and z's is x (0.8 > 0): 2 of 4.
    @Test func topOneAccuracyCountsRowsWhoseNearestIsTheirPartner() {
        let all = Tensor(shape: [4, 2], scalars: [1, 0, 1.2, 1.6, 3, 0, 0.8, 0.6])
        #expect(TrivialBaseline.ntXentTopOneAccuracy(all) == 1)
        let half = Tensor(shape: [4, 2], scalars: [1, 0, 0.6, 0.8, 2, 0, 1.6, -1.2])
        #expect(TrivialBaseline.ntXentTopOneAccuracy(half) == 0.5)
        let none = Tensor(shape: [4, 2], scalars: [1, 0, 0, 1, 0, 2, 2, 0])
        #expect(TrivialBaseline.ntXentTopOneAccuracy(none) == 0)
    }

    /// Identical embeddings make every logit equal, so NT-Xent (SensorNN's) is exactly the chance loss.
    @Test func chanceLossIsNTXentOfUninformativeEmbeddings() {
        for pairs in [1, 2, 5, 32] {
            let chance = TrivialBaseline.ntXentChanceLoss(pairs: pairs)
            #expect(abs(chance - Float(log(Double(2 * pairs - 1)))) < 1e-6)
            let uniform = Loss.ntXent(Tensor.ones([2 * pairs, 3]), temperature: 0.1).item
            #expect(abs(uniform - chance) < 1e-4, "pairs \(pairs): NT-Xent \(uniform) vs ln(2N - 1) \(chance)")
        }
        #expect(TrivialBaseline.ntXentChanceAccuracy(pairs: 64) == 1 / Float(127))
    }

    /// Evaluation mode adds the baselines and accuracies; training mode (every training step) does not.
    @Test func modelAddsBaselinesOnlyInEvaluation() throws {
        var generator = RandomGenerator(seed: 5)
        let objectives = [ObjectiveSpec(.maskedReconstruction(masking: .random(ratio: 0.5))),
                          ObjectiveSpec(.simCLR(projectionDimensions: 8, temperature: 0.2), weight: 0.5)]
        let model = try PretrainingModel(encoder: .transformer(Tiny.transformer), objectives: objectives, generator: &generator)
        let batch = Tiny.batch(subjects: [0, 1, 2, 3], generator: &generator)
        var draws = RandomGenerator(seed: 6)
        let training = model.losses(batch: batch, generator: &draws)
        #expect(!training.terms.contains { ObjectiveLosses.isMonitor($0.name) && !$0.name.hasPrefix("collapse.") })
        model.eval()
        draws = RandomGenerator(seed: 6)
        let evaluation = withNoGrad { model.losses(batch: batch, generator: &draws) }
        let reconstruction = objectives[0].name, contrastive = objectives[1].name
        for modality in Tiny.layout.modalities.map(\.name) {
            let baseline = try #require(evaluation["baseline.\(reconstruction).\(modality)"], "no baseline for \(modality)")
            #expect(baseline > 0 && baseline.isFinite)
        }
        #expect(evaluation["baseline.\(reconstruction)"] != nil)
        #expect(evaluation["baseline.\(contrastive)"] == TrivialBaseline.ntXentChanceLoss(pairs: 4))
        #expect(evaluation["chance_accuracy.\(contrastive)"] == 1 / Float(7))
        let accuracy = try #require(evaluation["accuracy.\(contrastive)"])
        #expect(accuracy >= 0 && accuracy <= 1)
    }
}
