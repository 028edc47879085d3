import Foundation
import SensorNN
import SensorTensor
import Testing
@testable import SensorRun

@Suite struct ResumeTests {
    func trainer(_ configuration: RunConfiguration, data: RunData, stop: StopSignals? = nil) throws -> (Trainer, RunFolder) {
        let folder = try RunFolder.create(at: RunTestSupport.temporaryDirectory("resume").appendingPathComponent("run"),
                                          resolvedConfig: try configuration.resolvedYAML())
        return (try Trainer(configuration: configuration, data: data, folder: folder, metrics: try MetricsLog(url: folder.metricsURL),
                        logger: RunTestSupport.sink.logger(), stop: stop), folder)
    }

    /// Every parameter and optimizer tensor as raw bit patterns.
    func state(_ trainer: Trainer) -> [String: [UInt32]] {
        var result: [String: [UInt32]] = [:]
        for (name, tensor) in trainer.model.namedParameters() { result["model.\(name)"] = tensor.scalars.map(\.bitPattern) }
        for (name, tensor) in trainer.optimizer.exportState().tensors { result["optimizer.\(name)"] = tensor.scalars.map(\.bitPattern) }
        return result
    }

    /// The default tiny config, and a ResNet-1D with block masking, subject-aware (EMA target, KoLeo) and cross-modal objectives.
    static let variants: [[String]] = [[], [
        "model.encoder=resnet1d", "model.width=8", "model.blocks=1",
        "objectives=[{kind: masked_reconstruction, masking: temporal_block}, {kind: subject_aware, projection_dimensions: 8, momentum: 0.9}, {kind: cross_modal, projection_dimensions: 8}]",
    ]]

    @Test(arguments: variants)
    func interruptedAndResumedRunsEndBitIdenticalToAnUninterruptedOne(overrides: [String]) throws {
        let configuration = try RunTestSupport.configuration(overrides)
        let data = try RunData.prepare(configuration)
        let (uninterrupted, fullFolder) = try trainer(configuration, data: data)
        #expect(try uninterrupted.train() == .completed(step: 6))

        // 3 steps from the saved step-3 checkpoint of another process' run.
        let (fromMiddle, _) = try trainer(configuration, data: data)
        try fromMiddle.restore(Checkpoint(contentsOf: try #require(fullFolder.checkpoints().first { $0.step == 3 }).url))
        #expect(fromMiddle.step == 3)
        #expect(try fromMiddle.train() == .completed(step: 6))
        #expect(state(fromMiddle) == state(uninterrupted))

        // Stopped by a signal after step 1, resumed in a fresh trainer.
        let stop = StopSignals(install: false)
        let (stopped, stoppedFolder) = try trainer(configuration, data: data, stop: stop)
        stop.request(SIGINT)
        #expect(try stopped.train() == .interrupted(step: 1, signal: SIGINT))
        let (resumed, _) = try trainer(configuration, data: data)
        try resumed.restore(try #require(stoppedFolder.latestCheckpoint()))
        #expect(try resumed.train() == .completed(step: 6))
        #expect(state(resumed) == state(uninterrupted))
        #expect(resumed.bestValidationLoss == uninterrupted.bestValidationLoss)
    }

    @Test func aCheckpointFromAnotherSeedIsRefused() throws {
        let configuration = try RunTestSupport.configuration()
        let data = try RunData.prepare(configuration)
        let (first, folder) = try trainer(configuration, data: data)
        _ = try first.train()
        let (other, _) = try trainer(try RunTestSupport.configuration(["seed=4"]), data: data)
        #expect(throws: RunError.self) { try other.restore(try #require(folder.latestCheckpoint())) }
    }
}
