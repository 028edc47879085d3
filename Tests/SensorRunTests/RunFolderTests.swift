import Foundation
import SensorNN
import SensorTensor
import Testing
@testable import SensorRun

@Suite struct RunFolderTests {
    @Test func aSecondLockOnTheSameFolderFailsAndNamesTheOwner() throws {
        let directory = RunTestSupport.temporaryDirectory("lock")
        do {
            let first = try RunLock(url: directory.appendingPathComponent("run.lock"))
            #expect(throws: RunError.locked(path: directory.path, owner: "\(getpid())")) {
                _ = try RunLock(url: directory.appendingPathComponent("run.lock"))
            }
            withExtendedLifetime(first) {}
        }
        // Released on deinit: the lock can be taken again.
        _ = try RunLock(url: directory.appendingPathComponent("run.lock"))
    }

    @Test func theResolvedConfigIsWrittenOnceAndNeverOverwritten() throws {
        let directory = RunTestSupport.temporaryDirectory("once").appendingPathComponent("run")
        do {
            let folder = try RunFolder.create(at: directory, resolvedConfig: "name: first\n")
            withExtendedLifetime(folder) {}
        }
        #expect(throws: RunError.alreadyExists(path: directory.standardizedFileURL.path)) {
            _ = try RunFolder.create(at: directory, resolvedConfig: "name: second\n")
        }
        #expect(try String(contentsOf: directory.appendingPathComponent("config.yaml"), encoding: .utf8) == "name: first\n")
    }

    @Test func onlyTheLastNCheckpointsAreKept() throws {
        let folder = try RunFolder.create(at: RunTestSupport.temporaryDirectory("keep").appendingPathComponent("run"),
                                          resolvedConfig: "name: keep\n")
        let model = Linear(inputDimensions: 2, outputDimensions: 2, generator: &RandomGeneratorBox.shared)
        for step in [10, 20, 30, 40, 50] {
            try folder.save(Checkpoint(model: model, step: step), step: step, keepLast: 2)
        }
        #expect(folder.checkpoints().map(\.step) == [40, 50])
        #expect(folder.latestCheckpoint()?.step == 50)
    }

    @Test func resumingDropsMetricsAfterTheCheckpointAndAHalfWrittenLine() throws {
        let url = RunTestSupport.temporaryDirectory("metrics").appendingPathComponent("metrics.jsonl")
        let lines = ["{\"step\":5,\"loss\":1}", "{\"step\":10,\"loss\":0.9}", "{\"step\":10,\"validation_loss\":0.8}",
                     "{\"step\":15,\"loss\":0.7}", "{\"step\":2"]
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let metrics = try MetricsLog(url: url, keepThroughStep: 10)
        metrics.append(["step": 15, "loss": 0.5])
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == lines[0...2].joined(separator: "\n") + "\n{\"loss\":0.5,\"step\":15}\n")
    }
}

/// A generator for layer weights whose values do not matter to a test.
enum RandomGeneratorBox {
    nonisolated(unsafe) static var shared = RandomGenerator(seed: 1)
}
