import Foundation
import Testing
@testable import SensorData
@testable import SensorEval
import SensorNN
import SensorPretrain
import SensorTensor

@Suite struct EvalFineTuneTests {
    private let layout = PatchLayout(modalities: [ModalityPatching(name: "ppg", channels: 1, patchSamples: 8, tokenCount: 2)])
    private let task = TaskSpec(name: "activity", label: "activity", kind: .classification, classNames: ["slow", "fast"])

    private func tinyEncoder(seed: UInt64) -> PatchEncoder {
        var generator = RandomGenerator(seed: seed)
        return PatchEncoder(configuration: PatchEncoderConfiguration(layout: layout, dimensions: 8, depth: 2, headCount: 2,
                                                                     feedForwardDimensions: 16), generator: &generator)
    }

    /// Class 0: one slow cycle per window; class 1: a sawtooth-free alternation at Nyquist. Random
    /// phase and amplitude, so only the frequency (which survives per-window z-scoring) separates them.
    private func windows(subjects: Int, perSubject: Int) -> WindowSet {
        var set = makeWindowSet(samples: 16)
        var generator = RandomGenerator(seed: 11)
        for s in 0..<subjects {
            for w in 0..<perSubject {
                let fast = w % 2 == 1, phase = generator.nextUniform() * 6.28, amplitude = 0.5 + generator.nextUniform()
                let signal = (0..<16).map { t -> Float in
                    fast ? amplitude * (t % 2 == 0 ? 1 : -1) + 0.05 * generator.nextNormal()
                        : amplitude * sin(2 * Float.pi * Float(t) / 16 + phase)
                }
                set.appendTestWindow(signal, subject: "s\(s)", classIndex: fast ? 1 : 0, value: fast ? 120 : 60)
            }
        }
        return set
    }

    @Test func linearProbeOnFrozenEncoderLearnsSeparableTask() throws {
        let set = windows(subjects: 6, perSubject: 16)
        let targets = try TaskTargets(task: task, windows: set)
        let training = targets.restricted(toSubjects: ["s0", "s1", "s2", "s3"]), test = targets.restricted(toSubjects: ["s4", "s5"])
        let encoder = tinyEncoder(seed: 1)
        let before = encoder.namedParameters().map { $0.1.scalars }
        let model = try FineTuner.train(encoder: encoder, windows: set, training: training,
                                        configuration: FineTuneConfiguration(mode: .linearProbe, epochs: 60, batchSize: 16,
                                                                             learningRate: 0.05, seed: 3))
        #expect(model.epochLosses.last! < model.epochLosses.first!)
        let predictions = model.predict(windows: set, targets: test)
        let report = Scoring.report(predictions, targets: test, bootstrap: SubjectBootstrap(resamples: 50))
        let accuracy = try #require(report.classification?.accuracy)
        #expect(accuracy.estimate >= 0.95, "accuracy \(accuracy)")
        #expect(report.classification?.confusion.total == test.count)
        #expect(encoder.namedParameters().map { $0.1.scalars } == before, "the probe must not change the encoder")
    }

    /// Columns (1, 3) and (10, 10): means 2 and 10; population deviations 1 and 0 (scale 1).
    @Test func embeddingStandardizationZScoresEachDimension() {
        let standardization = EmbeddingStandardization(fitting: Tensor(shape: [2, 2], scalars: [1, 10, 3, 10]))
        #expect(standardization.means == [2, 10])
        #expect(standardization.scales == [1, 1])
        #expect(standardization.apply(Tensor(shape: [1, 2], scalars: [4, 12])).scalars == [2, 2])
    }

    @Test func depthsAndLayerDecayFactors() {
        let depths = EncoderDepths(tinyEncoder(seed: 0))
        #expect(depths.blockCount == 2 && depths.topDepth == 3)
        #expect(depths.depth(of: "positionEmbedding") == 0)
        #expect(depths.depth(of: "blocks.1.attention.qkv.weight") == 2)
        #expect(depths.depth(of: "finalNorm.weight") == 3)
        #expect(depths.learningRateFactor(of: "tokenizers.0.weight", decay: 0.5) == 0.0625)
        #expect(depths.learningRateFactor(of: "finalNorm.weight", decay: 0.5) == 0.5)
        #expect(!depths.isTrainable("blocks.0.norm1.weight", lastBlocks: 1))
        #expect(depths.isTrainable("blocks.1.norm1.weight", lastBlocks: 1) && depths.isTrainable("finalNorm.bias", lastBlocks: 1))
    }

    @Test func partialAndFullFineTuningTrainCopiesOfTheRightLayers() throws {
        let set = windows(subjects: 3, perSubject: 8)
        let targets = try TaskTargets(task: task, windows: set)
        let encoder = tinyEncoder(seed: 2)
        let original = encoder.namedParameters().map { $0.1.scalars }

        let partial = try FineTuner.train(encoder: encoder, windows: set, training: targets,
                                          configuration: FineTuneConfiguration(mode: .partial(blocks: 1), epochs: 3, batchSize: 8,
                                                                               learningRate: 0.01, seed: 1))
        let tuned = Dictionary(uniqueKeysWithValues: partial.encoder.namedParameters().map { ($0.0, $0.1.scalars) })
        let start = Dictionary(uniqueKeysWithValues: zip(encoder.namedParameters().map(\.0), original))
        #expect(tuned["blocks.0.attention.qkv.weight"] == start["blocks.0.attention.qkv.weight"])
        #expect(tuned["positionEmbedding"] == start["positionEmbedding"])
        #expect(tuned["blocks.1.attention.qkv.weight"] != start["blocks.1.attention.qkv.weight"])

        let full = try FineTuner.train(encoder: encoder, windows: set, training: targets,
                                       configuration: FineTuneConfiguration(mode: .full(layerDecay: 0.7), epochs: 3, batchSize: 8,
                                                                            learningRate: 0.01, seed: 1))
        let fullyTuned = Dictionary(uniqueKeysWithValues: full.encoder.namedParameters().map { ($0.0, $0.1.scalars) })
        #expect(fullyTuned["positionEmbedding"] != start["positionEmbedding"])
        #expect(full.epochLosses.allSatisfy { $0.isFinite })
        #expect(encoder.namedParameters().map { $0.1.scalars } == original, "fine-tuning must leave the given encoder unchanged")
    }

    @Test func regressionHeadPredictsInTargetUnits() throws {
        let set = windows(subjects: 4, perSubject: 12)
        let heartRate = TaskSpec(name: "heart_rate", label: "heart_rate", kind: .regression, unit: "bpm")
        let targets = try TaskTargets(task: heartRate, windows: set)
        let training = targets.restricted(toSubjects: ["s0", "s1", "s2"]), test = targets.restricted(toSubjects: ["s3"])
        let model = try FineTuner.train(encoder: tinyEncoder(seed: 5), windows: set, training: training,
                                        configuration: FineTuneConfiguration(mode: .linearProbe, head: .mlp(hidden: 16),
                                                                             regressionLoss: .huber(delta: 1), epochs: 60,
                                                                             batchSize: 12, learningRate: 0.03, seed: 2))
        #expect(model.targetMean == 90 && model.targetScale == 30)
        let report = Scoring.report(model.predict(windows: set, targets: test), targets: test, bootstrap: SubjectBootstrap(resamples: 20))
        let error = try #require(report.regression?.meanAbsoluteError)
        #expect(error.estimate < 10, "MAE \(error)")
        #expect(report.regression?.blandAltmanPoints.count == test.count)
    }

    @Test func missingModalityAndLayoutMismatchAreErrors() throws {
        let set = windows(subjects: 2, perSubject: 4)
        let targets = try TaskTargets(task: task, windows: set)
        let wrongLayout = PatchLayout(modalities: [ModalityPatching(name: "ppg", channels: 1, patchSamples: 4, tokenCount: 2)])
        var generator = RandomGenerator(seed: 0)
        let mismatched = PatchEncoder(configuration: PatchEncoderConfiguration(layout: wrongLayout, dimensions: 8, depth: 1, headCount: 2,
                                                                               feedForwardDimensions: 8), generator: &generator)
        #expect(throws: EvaluationError.self) {
            try FineTuner.train(encoder: mismatched, windows: set, training: targets, configuration: FineTuneConfiguration(epochs: 1))
        }
    }

    @Test func resultsRoundTripThroughJSON() throws {
        let fold = EvaluationFold(index: 0, train: ["s0"], validation: [], test: ["s1"])
        let interval = ConfidenceInterval(estimate: 0.8, lower: 0.7, upper: 0.9, level: 0.95, resamples: 1000)
        let report = MetricReport(testWindows: 4, testSubjects: 1,
                                  classification: ClassificationReport(accuracy: interval, balancedAccuracy: interval, macroF1: nil,
                                                                       auroc: interval,
                                                                       confusion: ConfusionMatrix(classNames: ["a", "b"], counts: [[1, 1], [0, 2]])),
                                  regression: nil)
        let results = EvaluationResults(checkpointSHA256: "ab12", pretrainingSubjects: ["s0"],
                                        evaluationProtocol: .leaveSubjectsOut(folds: 2, validationSubjects: 0, seed: 1),
                                        fractions: LabelFraction.standardFractions, seeds: [0, 1], bootstrapResamples: 1000, bootstrapSeed: 0,
                                        tasks: [TaskResults(task: .activity,
                                                            runs: [RunResult(model: "pretrained", mode: "probe", fraction: 0.01, seed: 0, fold: fold,
                                                                             trainingWindows: 2, epochLosses: [1, 0.5], metrics: report)],
                                                            comparisons: [PairedComparison(metric: "accuracy", first: "pretrained", second: "scratch",
                                                                                           mode: "probe", fraction: 0.01, seeds: [0], fold: 0,
                                                                                           difference: interval)])],
                                        warnings: ["class b: no windows"])
        let data = try results.encoded()
        #expect(try EvaluationResults.decode(data) == results)
        #expect(try results.encoded() == data)
    }
}
