import Foundation
import SensorNN
import SensorPretrain
import SensorTensor
import Testing
@testable import SensorRun

@Suite struct TrainerTests {
    func makeTrainer(_ overrides: [String] = [], stop: StopSignals? = nil) throws -> (Trainer, RunFolder) {
        let configuration = try RunTestSupport.configuration(overrides)
        let data = try RunData.prepare(configuration)
        let folder = try RunFolder.create(at: RunTestSupport.temporaryDirectory("trainer").appendingPathComponent("run"),
                                          resolvedConfig: try configuration.resolvedYAML())
        let trainer = try Trainer(configuration: configuration, data: data, folder: folder,
                              metrics: try MetricsLog(url: folder.metricsURL), logger: RunTestSupport.sink.logger(), stop: stop)
        return (trainer, folder)
    }

    @Test func trainsLogsValidatesAndCheckpoints() throws {
        let (trainer, folder) = try makeTrainer()
        #expect(try trainer.train() == .completed(step: 6))
        #expect(folder.checkpoints().map(\.step) == [3, 6])
        #expect(FileManager.default.fileExists(atPath: folder.bestCheckpointURL.path))
        let lines = try String(contentsOf: folder.metricsURL, encoding: .utf8).split(separator: "\n")
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.filter { $0["loss"] != nil }.compactMap { $0["step"] as? Int } == [2, 4, 6])
        #expect(objects.filter { $0["validation_loss"] != nil }.compactMap { $0["step"] as? Int } == [3, 6])
        let first = try #require(objects.first)
        for key in ["loss.masked_reconstruction", "loss.contrastive", "loss.masked_reconstruction.ppg", "lr", "grad_norm", "windows_per_s",
                    "collapse.effective_rank"] {
            #expect(first[key] is Double, "missing \(key)")
        }
    }

    @Test func aNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let (trainer, folder) = try makeTrainer(["training.steps=3", "training.checkpoint_interval=2", "training.validation_interval=0"])
        let (poisoned, poisonedFolder) = try makeTrainer(["training.steps=3", "training.checkpoint_interval=2",
                                                          "training.validation_interval=0"])
        _ = try trainer.train()
        let good = try #require(folder.checkpoints().first { $0.step == 2 })
        try poisoned.restore(Checkpoint(contentsOf: good.url))
        try poisonedFolder.save(Checkpoint(contentsOf: good.url), step: 2, keepLast: 2)
        (poisoned.model.encoder as! PatchEncoder).maskToken.withUnsafeMutableBufferPointer { $0[0] = .nan }
        #expect(throws: RunError.nonFiniteLoss(step: 3, what: "the masked_reconstruction loss (nan)", lastCheckpointStep: 2)) {
            _ = try poisoned.train()
        }
        #expect(poisonedFolder.checkpoints().map(\.step) == [2])
    }

    @Test func aStopSignalSavesACheckpointAfterTheCurrentStep() throws {
        let stop = StopSignals(install: false)
        let (trainer, folder) = try makeTrainer(stop: stop)
        stop.request(SIGTERM)
        #expect(try trainer.train() == .interrupted(step: 1, signal: SIGTERM))
        #expect(folder.checkpoints().map(\.step) == [1])
    }
}
