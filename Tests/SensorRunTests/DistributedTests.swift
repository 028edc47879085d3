import Foundation
import SensorData
import SensorNN
import SensorPretrain
import SensorTensor
import Testing
@testable import SensorRun

@Suite struct DistributedTests {
    @Test func launchersAreRecognisedFromTheEnvironment() {
        #expect(!MPICommunicator.launchedInParallel(environment: [:]))
        #expect(MPICommunicator.launchedInParallel(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(MPICommunicator.launchedInParallel(environment: ["PMIX_RANK": "0"]))
        #expect(MPICommunicator.launchedInParallel(environment: ["PMI_RANK": "1", "PMI_SIZE": "2"]))
        // An sbatch script itself is no parallel step; an srun step of several tasks is.
        #expect(!MPICommunicator.launchedInParallel(environment: ["SLURM_PROCID": "0", "SLURM_JOB_ID": "7"]))
        #expect(MPICommunicator.launchedInParallel(environment: ["SLURM_PROCID": "1", "SLURM_STEP_ID": "0", "SLURM_NTASKS": "4"]))
        let alone = try? MPICommunicator.forThisProcess(environment: [:])
        #expect(alone is SingleProcessCommunicator)
    }

    @Test func oneProcessCollectivesAreTheIdentity() throws {
        let communicator = SingleProcessCommunicator()
        var values = [1.5, -2.0]
        try communicator.allReduceSum(&values)
        #expect(values == [1.5, -2.0])
        #expect(try communicator.broadcast(bytes: [1, 2, 3]) == [1, 2, 3])
    }

    @Test func theRanksMustDivideTheGlobalBatch() throws {
        let configuration = try RunTestSupport.configuration(["training.batch_size=4"])
        let data = try RunData.prepare(configuration)
        let results = try ThreadGroup(size: 3).run { communicator in
            do {
                _ = try Trainer(configuration: configuration, data: data, folder: nil, metrics: nil,
                                logger: RunTestSupport.sink.logger(), communicator: communicator)
                return "accepted"
            } catch let error as ConfigError {
                return "\(error)"
            }
        }
        for message in results {
            #expect(message.contains("training.batch_size") && message.contains("3 ranks"), "\(message)")
        }
    }

    @Test func aRanksLoaderRowsAreThoseRowsOfTheWholeBatch() throws {
        let configuration = try RunTestSupport.configuration()
        let data = try RunData.prepare(configuration)
        let loader = WindowLoader(windows: data.train, configuration: .init(
            batchSize: 6, seed: 11, augmentation: AugmentationPipeline(Augmentation.contrastiveDefaults), views: 2))
        let whole = loader.batch(epoch: 1, index: 0)
        for rows in [0..<2, 2..<4, 4..<6] {
            let part = loader.batch(epoch: 1, index: 0, rows: rows)
            #expect(part.windowIndices == Array(whole.windowIndices[rows]))
            for (partView, wholeView) in zip(part.views, whole.views) {
                for (name, tensor) in partView {
                    #expect(tensor.scalars == wholeView[name]!.sliced(axis: 0, range: rows).scalars, "\(name) rows \(rows)")
                }
            }
        }
    }

    @Test func aShardsMasksAreThoseRowsOfTheGlobalBatchsMasks() {
        let layout = PatchLayout(modalities: [
            ModalityPatching(name: "ppg", channels: 1, patchSamples: 4, tokenCount: 10),
            ModalityPatching(name: "acc", channels: 3, patchSamples: 2, tokenCount: 6),
        ])
        for strategy in [MaskingStrategy.random(ratio: 0.5), .temporalBlock(ratio: 0.3), .modality(target: nil)] {
            var generator = RandomGenerator(seed: 5)
            let whole = TokenMasking.masks(strategy, layout: layout, batch: 8, generator: &generator)
            for rank in 0..<4 {
                let shard = BatchShard(rank: rank, of: 4, globalSize: 8)
                var rankGenerator = RandomGenerator(seed: 5)
                let part = TokenMasking.masks(strategy, layout: layout, batch: 2, shard: shard, generator: &rankGenerator)
                #expect(rankGenerator == generator, "every rank's generator ends where the whole batch's does")
                for (partMask, wholeMask) in zip(part, whole) {
                    #expect(partMask.scalars == wholeMask.sliced(axis: 0, range: shard.rows).scalars, "\(strategy) rank \(rank)")
                }
            }
        }
    }

    @Test func gradientsAreAveragedInBucketsAndUntouchedParametersStayWithoutGradient() throws {
        // Sizes 3, 5, 2 and 7 with room for 6 floats: buckets {0}, {1}, {2}, {3} as 3+5 > 6, 5+2 > 6, 2+7 > 6.
        let shapes = [[3], [5], [2], [7]]
        let results = try ThreadGroup(size: 2).run { communicator in
            let parameters = shapes.map { Tensor.zeros($0, requiresGrad: true) }
            for (index, parameter) in parameters.enumerated() {
                // Parameter 2 has a gradient on rank 1 only; parameter 3 on no rank.
                if index == 3 || (index == 2 && communicator.rank == 0) { continue }
                parameter.grad = Tensor(shape: parameter.shape,
                                        scalars: (0..<parameter.count).map { Float(index * 10 + $0) * Float(communicator.rank + 1) })
            }
            let averager = GradientAverager(parameters: parameters, communicator: communicator, bucketCapacity: 6)
            try averager.average()
            return (averager.buckets.map(\.members), parameters.map { $0.grad?.scalars }, communicator.allReduceCalls)
        }
        for (buckets, gradients, calls) in results {
            #expect(buckets == [0..<1, 1..<2, 2..<3, 3..<4])
            #expect(calls == 4)
            // Ranks hold g and 2g: the mean is 1.5 g; rank 0's missing gradient counts as zeros: 2g / 2 = g.
            #expect(gradients[0] == [0, 1, 2].map { 1.5 * $0 })
            #expect(gradients[1] == [10, 11, 12, 13, 14].map { 1.5 * $0 })
            #expect(gradients[2] == [20, 21])
            #expect(gradients[3] == nil)
        }
        let merged = try ThreadGroup(size: 2).run { communicator in
            GradientAverager(parameters: shapes.map { Tensor.zeros($0, requiresGrad: true) }, communicator: communicator,
                             bucketCapacity: 10).buckets.map(\.members)
        }
        #expect(merged[0] == [0..<3, 3..<4])
    }
}
