import Foundation
import SensorNN
import SensorPretrain
import SensorTensor
import Testing
@testable import SensorRun

/// Two in-process ranks (threads) with half the batch each against one process with the whole batch.
@Suite struct DistributedTrainingTests {
    /// Masked reconstruction, SGD so that the weights follow the gradients linearly and the tolerance
    /// stays close to float rounding.
    static let overrides = ["objectives=[{kind: masked_reconstruction, mask_ratio: 0.5}]", "optimizer.name=sgd",
                            "optimizer.momentum=0.9", "training.validation_interval=0", "training.steps=6"]

    static func weights(_ model: PretrainingModel) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.scalars) })
    }

    static func maximumDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Float {
        a.keys.map { name in zip(a[name]!, b[name]!).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
    }

    /// Trains `configuration` in one process and on two in-process ranks from the same start: the initial
    /// weights, the one-process weights after training, and each rank's weights and final step.
    static func trainAloneAndOnTwoRanks(_ configuration: RunConfiguration) throws
        -> (initial: [String: [Float]], expected: [String: [Float]], ranks: [(weights: [String: [Float]], step: Int)]) {
        let data = try RunData.prepare(configuration)
        let single = try Trainer(configuration: configuration, data: data, folder: nil, metrics: nil, logger: RunTestSupport.sink.logger())
        let initial = Self.weights(single.model)
        _ = try single.train()
        let ranks = try ThreadGroup(size: 2).run { communicator in
            let trainer = try Trainer(configuration: configuration, data: data, folder: nil, metrics: nil,
                                      logger: RunTestSupport.sink.logger(), communicator: communicator)
            _ = try trainer.train()
            return (weights: Self.weights(trainer.model), step: trainer.step)
        }
        return (initial, Self.weights(single.model), ranks)
    }

    @Test func twoRanksWithHalfBatchesTrainLikeOneProcess() throws {
        let configuration = try RunTestSupport.configuration(Self.overrides)
        let (initial, expected, ranks) = try Self.trainAloneAndOnTwoRanks(configuration)
        #expect(ranks[0].weights == ranks[1].weights, "the ranks hold identical weights")
        #expect(ranks.allSatisfy { $0.step == 6 })
        let difference = Self.maximumDifference(ranks[0].weights, expected)
        let moved = Self.maximumDifference(initial, expected)
        #expect(difference < 1e-5, "max |w_2 ranks - w_1 process| = \(difference)")
        #expect(moved > 1e-3, "training moved the weights (\(moved)), so the comparison means something")
    }

    /// The objectives that couple windows gather their rows over the ranks (`GlobalBatch`): the same
    /// check as above for NT-Xent, subject-aware InfoNCE with KoLeo and a momentum target, cross-modal
    /// InfoNCE, and all of them next to masked reconstruction. Without the gather each rank would
    /// contrast only its own 2 windows and the weights would differ at the first step.
    @Test(arguments: [
        "objectives=[{kind: contrastive, projection_dimensions: 8, augmentations: default}]",
        "objectives=[{kind: subject_aware, projection_dimensions: 8, koleo_weight: 0.1}]",
        "objectives=[{kind: cross_modal, projection_dimensions: 8}]",
        "objectives=[{kind: masked_reconstruction}, {kind: contrastive, weight: 0.5, projection_dimensions: 8}, {kind: subject_aware, projection_dimensions: 8}]",
    ])
    func contrastiveObjectivesSeeTheGlobalBatch(objectives: String) throws {
        let overrides = Array(Self.overrides.dropFirst()) + [objectives]
        let configuration = try RunTestSupport.configuration(overrides)
        let (initial, expected, ranks) = try Self.trainAloneAndOnTwoRanks(configuration)
        #expect(ranks[0].weights == ranks[1].weights, "the ranks hold identical weights")
        let difference = Self.maximumDifference(ranks[0].weights, expected)
        let moved = Self.maximumDifference(initial, expected)
        #expect(difference < 1e-5, "max |w_2 ranks - w_1 process| = \(difference)")
        #expect(moved > 1e-4, "training moved the weights (\(moved)), so the comparison means something")
    }

    @Test func ranksStartFromRankZerosResumedState() throws {
        let configuration = try RunTestSupport.configuration(Self.overrides)
        let data = try RunData.prepare(configuration)
        let first = try Trainer(configuration: configuration, data: data, folder: nil, metrics: nil, logger: RunTestSupport.sink.logger())
        let halfway = try RunConfiguration.load(file: RunTestSupport.writeConfig(RunTestSupport.yaml),
                                                overrides: Self.overrides + ["training.steps=3"],
                                                environment: [RunConfiguration.cacheEnvironmentVariable: RunTestSupport.cache.path])
        let partial = try Trainer(configuration: halfway, data: data, folder: nil, metrics: nil, logger: RunTestSupport.sink.logger())
        _ = try partial.train()
        let checkpoint = partial.makeCheckpoint()
        _ = try first.train()
        let expected = Self.weights(first.model)
        // Only rank 0 restores the step-3 checkpoint; rank 1 starts from scratch and must be handed that state.
        let ranks = try ThreadGroup(size: 2).run { communicator in
            let trainer = try Trainer(configuration: configuration, data: data, folder: nil, metrics: nil,
                                      logger: RunTestSupport.sink.logger(), communicator: communicator)
            if communicator.isRoot { try trainer.restore(checkpoint) }
            _ = try trainer.train()
            return Self.weights(trainer.model)
        }
        #expect(ranks[0] == ranks[1])
        let difference = Self.maximumDifference(ranks[1], expected)
        #expect(difference < 1e-5, "max |w_resumed 2 ranks - w_1 process| = \(difference)")
    }
}
