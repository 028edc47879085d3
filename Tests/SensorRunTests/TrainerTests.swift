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
        #expect(first["baseline.masked_reconstruction"] == nil, "baselines are validation-only")
        let validation = try #require(objects.first { $0["validation_loss"] != nil })
        for key in ["validation_loss.masked_reconstruction.ppg", "validation_baseline.masked_reconstruction",
                    "validation_baseline.masked_reconstruction.ppg", "validation_baseline.masked_reconstruction.acc",
                    "validation_baseline.masked_reconstruction.temp", "validation_baseline.contrastive",
                    "validation_accuracy.contrastive"] {
            #expect(validation[key] is Double, "missing \(key)")
        }
        // Batch 4: 2·4 − 1 = 7 candidates.
        #expect(abs((validation["validation_chance_accuracy.contrastive"] as? Double ?? 0) - 1.0 / 7) < 1e-4)
        #expect(abs((validation["validation_baseline.contrastive"] as? Double ?? 0) - log(7.0)) < 1e-4)
    }

    @Test func theValidationLineSetsEachLossAgainstItsBaseline() {
        let terms = ["masked_reconstruction": 0.25, "masked_reconstruction.ppg": 0.2, "baseline.masked_reconstruction": 0.95,
                     "baseline.masked_reconstruction.ppg": 0.9, "contrastive": 1.5, "baseline.contrastive": 4.844,
                     "accuracy.contrastive": 0.75, "chance_accuracy.contrastive": 0.00787]
        #expect(Trainer.baselineSummary(terms, objectives: ["masked_reconstruction", "contrastive"])
            == "; masked_reconstruction 0.250 vs baseline 0.950 (ppg 0.200/0.900); contrastive 1.500 vs baseline 4.844, top-1 0.750 vs chance 0.0079")
        #expect(Trainer.baselineSummary(["subject": 1], objectives: ["subject"]) == "")
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
