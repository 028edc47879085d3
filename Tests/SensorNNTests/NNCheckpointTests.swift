import Foundation
import Testing
import SafeTensors
import SensorTensor
@testable import SensorNN

/// A model, an AdamW optimizer that has taken three steps, and a generator, all from `seed`.
private func trainedSetup(seed: UInt64, hidden: Int = 4) -> (MLP, AdamW, RandomGenerator) {
    var generator = RandomGenerator(seed: seed)
    let model = MLP(dimensions: [2, hidden, 1], activation: .relu, generator: &generator)
    let optimizer = AdamW(parameters: model.namedParameters(), learningRate: 0.01)
    let inputs = Tensor.uniform([5, 2], generator: &generator), targets = Tensor.uniform([5, 1], generator: &generator)
    for _ in 0..<3 {
        optimizer.zeroGrad()
        Loss.mse(model(inputs), targets).backward()
        optimizer.step()
    }
    return (model, optimizer, generator)
}

private func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("nn-\(UUID().uuidString)-\(name).safetensors")
}

/// The `CheckpointError.mismatch` thrown by `body`, or nil (recording an issue) for anything else.
private func mismatch(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> StateMismatch? {
    do {
        try body()
        Issue.record("restore accepted a mismatching checkpoint", sourceLocation: sourceLocation)
    } catch CheckpointError.mismatch(_, let mismatch) {
        return mismatch
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite struct NNCheckpointTests {
    @Test func roundTripIsBitIdentical() throws {
        let (model, optimizer, generator) = trainedSetup(seed: 1)
        let url = temporaryURL("roundtrip")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint(model: model, optimizer: optimizer, step: 3, generator: generator,
                       metadata: ["config": #"{"hidden":4}"#]).write(to: url)

        let (restoredModel, restoredOptimizer, _) = trainedSetup(seed: 2)
        let checkpoint = try Checkpoint(contentsOf: url)
        try checkpoint.restore(model: restoredModel, optimizer: restoredOptimizer)
        #expect(checkpoint.step == 3)
        #expect(try checkpoint.generator == generator)
        #expect(checkpoint.metadata == ["config": #"{"hidden":4}"#])
        for ((name, a), (_, b)) in zip(model.namedParameters(), restoredModel.namedParameters()) {
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern), "\(name)")
        }
        let saved = optimizer.exportState(), loaded = restoredOptimizer.exportState()
        #expect(loaded.stepCount == 3 && loaded.parameterSteps == saved.parameterSteps)
        #expect(Set(loaded.tensors.keys) == Set(saved.tensors.keys))
        for (key, tensor) in saved.tensors {
            #expect(loaded.tensors[key]?.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "\(key)")
        }
    }

    @Test func fileUsesDocumentedKeysAndDtypes() throws {
        var generator = RandomGenerator(seed: 3)
        let norm = BatchNorm1d(features: 2)
        let checkpoint = Checkpoint(model: norm, step: 7, generator: generator.split())
        let file = checkpoint.file
        #expect(Set(file.names) == ["model.weight", "model.bias", "model.runningMean", "model.runningVariance", "step", "generator"])
        #expect(file["model.runningVariance"]?.dtype == .F32 && file["model.runningVariance"]?.shape == [2])
        #expect(file["step"].map { try? $0.int64s() } == [7])
        #expect(file["generator"]?.dtype == .I64 && file["generator"]?.shape == [4])
    }

    @Test func mismatchesAreListedWithBothShapes() throws {
        let (model, optimizer, _) = trainedSetup(seed: 4)
        let checkpoint = Checkpoint(model: model, optimizer: optimizer, step: 3)
        let (wider, widerOptimizer, _) = trainedSetup(seed: 5, hidden: 6)
        let before = wider.state()
        let found = mismatch { try checkpoint.restore(model: wider, optimizer: widerOptimizer) }
        #expect(found?.missing == [] && found?.unexpected == [])
        #expect(found?.shapeMismatches.map(\.name).sorted() == [
            "model.layers.0.bias", "model.layers.0.weight", "model.layers.1.weight",
            "optimizer.layers.0.bias.exp_avg", "optimizer.layers.0.bias.exp_avg_sq",
            "optimizer.layers.0.weight.exp_avg", "optimizer.layers.0.weight.exp_avg_sq",
            "optimizer.layers.1.weight.exp_avg", "optimizer.layers.1.weight.exp_avg_sq",
        ])
        #expect(found?.description.contains("shape mismatch for model.layers.0.weight: expected [6, 2], found [4, 2]") == true)
        for (name, tensor) in wider.state() { #expect(tensor.scalars == before[name]!.scalars, "\(name) unchanged") }
        #expect(widerOptimizer.stepCount == 3)
    }

    @Test func missingUnexpectedAndDtypeMismatchesAreNamed() throws {
        var generator = RandomGenerator(seed: 6)
        let source = Sequential([Linear(inputDimensions: 2, outputDimensions: 2, generator: &generator)])
        var file = Checkpoint(model: source, step: 1).file
        file["model.layers.0.bias"] = SafeTensorsEntry(int64s: [1, 2], shape: [2])
        let altered = try Checkpoint(file: file, source: "altered.safetensors")
        let target = Sequential([Linear(inputDimensions: 2, outputDimensions: 2, generator: &generator),
                                 Linear(inputDimensions: 2, outputDimensions: 1, bias: false, generator: &generator)])
        let found = mismatch { try altered.restore(model: target) }
        #expect(found == StateMismatch(missing: ["model.layers.0.bias", "model.layers.1.weight"], unexpected: [],
                                       dtypeMismatches: [.init(name: "model.layers.0.bias", expected: "F32", found: "I64")]))
        do {
            try altered.restore(model: target)
        } catch {
            #expect("\(error)" == """
                altered.safetensors: state does not match:
                  missing keys: model.layers.0.bias, model.layers.1.weight
                  dtype mismatch for model.layers.0.bias: expected F32, found I64
                """)
        }
        let smaller = Sequential([Linear(inputDimensions: 2, outputDimensions: 2, bias: false, generator: &generator)])
        let unexpected = mismatch { try Checkpoint(model: source, step: 1).restore(model: smaller) }
        #expect(unexpected?.unexpected == ["model.layers.0.bias"])
        let optimizer = SGD(parameters: smaller.namedParameters(), learningRate: 0.1)
        let withoutOptimizer = mismatch { try Checkpoint(model: smaller, step: 1).restore(model: smaller, optimizer: optimizer) }
        #expect(withoutOptimizer?.missing == ["optimizer.step_count"])
    }

    @Test func truncatedFileThrowsTheSafeTensorsError() throws {
        let (model, optimizer, _) = trainedSetup(seed: 7)
        let url = temporaryURL("truncated")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = Checkpoint(model: model, optimizer: optimizer, step: 3).file.serialized()
        for length in [4, 20, bytes.count / 2, bytes.count - 1] {
            try bytes.prefix(length).write(to: url)
            #expect(throws: SafeTensorsError.self, "\(length) of \(bytes.count) bytes") { try Checkpoint(contentsOf: url) }
        }
    }

    @Test func plainSafeTensorsFileIsNotACheckpoint() {
        var file = SafeTensorsFile()
        file["weight"] = SafeTensorsEntry(floats: [1], shape: [1])
        #expect(throws: CheckpointError.malformed(source: "plain.safetensors",
                                                  reason: "metadata 'sensorfm.format' is not 'checkpoint-1'")) {
            try Checkpoint(file: file, source: "plain.safetensors")
        }
    }
}
