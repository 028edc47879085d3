import Foundation
import Testing
import SensorTensor
@testable import SensorEdge

@Suite struct EdgeArtefactTests {
    static let profile = DeviceProfile(name: "test-wrist", processor: "Cortex-M4F", clockMegahertz: 64, arithmetic: .int8,
                                       inferenceRateHertz: 0.1, weightFlashBytes: 65536, arenaBytes: 32768, runtimeOverhead: RuntimeOverhead(fixedBytes: 8480),
                                       cyclesPerMultiplyAccumulate: 6)

    static func scratch() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sensorfm-artefact-\(UUID().uuidString)")
    }

    static func golden(_ arithmetic: EdgeArithmetic = .int8) -> (EdgeGraph, InputNormalization) {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let graph = EdgeSelfCheck.quantizedStudent(configuration: configuration, seed: 11, arithmetic: arithmetic)
        var generator = RandomGenerator(seed: 5)
        let windows = EdgeSelfCheck.syntheticWindows(configuration: configuration, count: 4, generator: &generator)
        return (graph, InputNormalization.fitted(to: windows, graph: graph))
    }

    /// Leftover entries in `parent` besides `kept` (a failed write must leave no partial directory).
    static func leftovers(in parent: URL, besides kept: [String] = []) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: parent.path).filter { !kept.contains($0) }
    }

    @Test func tfliteArtefactWithModelCard() throws {
        let parent = Self.scratch(), out = parent.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let (graph, normalization) = Self.golden()
        try EdgeArtefact.write(graph: graph, normalization: normalization, windowSeconds: 2, format: .tflite, profile: Self.profile,
                               accuracyVersusTeacher: ["activity_accuracy_ratio": 0.97], to: out)
        #expect(try Self.leftovers(in: parent) == ["export"])
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: out.path)) == ["model.tflite", "model_card.json"])
        #expect(try Data(contentsOf: out.appendingPathComponent("model.tflite")) == Data(TFLiteWriter.serialize(graph)))
        let card = try JSONDecoder().decode(ModelCard.self, from: Data(contentsOf: out.appendingPathComponent("model_card.json")))
        #expect(card.format == "tflite" && card.arithmetic == "int8" && card.budget.device == "test-wrist")
        // 64, 32 and 16 samples per 2 s window.
        #expect(card.inputs.map(\.name) == ["ppg", "acc", "temp"] && card.inputs.map(\.rateHertz) == [32, 16, 8])
        #expect(card.inputs[1].mean == normalization.means[1] && card.inputs[1].deviation == normalization.deviations[1])
        let ppg = graph.tensors[graph.inputs[0]].quantization!
        #expect(card.inputs[0].quantization == ModelCard.Quantization(scale: ppg.scale, zeroPoint: ppg.zeroPoint))
        #expect(card.outputs.map(\.name) == ["logits", "probabilities"])
        #expect(card.outputs[1].quantization == ModelCard.Quantization(scale: 1.0 / 256, zeroPoint: -128))
        #expect(card.accuracyVersusTeacher == ["activity_accuracy_ratio": 0.97])
        #expect(card.activations.count == graph.tensors.filter { $0.constant == nil }.count)
    }

    @Test func cArtefact() throws {
        let out = Self.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let (graph, normalization) = Self.golden()
        try EdgeArtefact.write(graph: graph, normalization: normalization, windowSeconds: 2, format: .c, profile: Self.profile, to: out)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: out.path))
            == ["sensorfm_model.h", "sensorfm_model.c", "sensorfm_kernels.h", "model_card.json"])
    }

    /// A student over the device's arena is refused naming the layer, and nothing is written.
    @Test func overBudgetWritesNothing() throws {
        let parent = Self.scratch(), out = parent.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        // 300 B for activations: the reshape step holds 240 B (inputs 64 + 96 + 16, reshaped PPG 64), PPG's first
        // convolution 432 B (its 31 × 8 output, 256 B aligned, besides the reshaped PPG and the other inputs).
        var small = Self.profile
        small.arenaBytes = 8480 + 300
        let (graph, normalization) = Self.golden()
        do {
            try EdgeArtefact.write(graph: graph, normalization: normalization, windowSeconds: 2, format: .tflite, profile: small, to: out)
            Issue.record("an over-budget student was exported")
        } catch EdgeArtefactError.doesNotFit(let error) {
            #expect(error.violations.map(\.limit) == [.arena])
            #expect(error.violations[0].layer == "ppg_unit0", "\(error)")
        }
        #expect(try Self.leftovers(in: parent).isEmpty)
    }

    @Test func refusesExistingDestinationAndCFor16x8() throws {
        let out = Self.scratch()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        try Data("mine".utf8).write(to: out.appendingPathComponent("notes.txt"))
        let (graph, normalization) = Self.golden()
        #expect(throws: EdgeArtefactError.destinationExists(path: out.path)) {
            try EdgeArtefact.write(graph: graph, normalization: normalization, windowSeconds: 2, format: .tflite, profile: Self.profile, to: out)
        }
        #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine")
        let (graph16, normalization16) = Self.golden(.int16x8)
        var profile16 = Self.profile
        profile16.arithmetic = .int16x8
        let fresh = Self.scratch()
        #expect(throws: EdgeArtefactError.unsupportedOperator(layer: "ppg_2d", operatorName: "RESHAPE",
                                                              reason: "the C export has int8 kernels only; export 16x8 models as tflite")) {
            try EdgeArtefact.write(graph: graph16, normalization: normalization16, windowSeconds: 2, format: .c, profile: profile16, to: fresh)
        }
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
    }
}
