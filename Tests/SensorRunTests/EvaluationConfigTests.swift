import Foundation
import SensorEval
import Testing
@testable import SensorRun

@Suite struct EvaluationConfigTests {
    static let yaml = """
        name: tiny-eval
        tasks: [activity, heart_rate]
        fractions: [0.5, 1.0]
        seeds: [0, 1]
        modes: [probe, full]
        finetune:
          epochs: 3
          min_steps: 20
          batch_size: 32
          lr: 3e-3
        bootstrap: {resamples: 50}
        """

    func load(_ text: String = yaml, _ overrides: [String] = []) throws -> EvaluationConfiguration {
        try EvaluationConfiguration.load(file: RunTestSupport.writeConfig(text, name: "eval.yaml"), overrides: overrides)
    }

    @Test func readsValuesAndFillsDefaults() throws {
        let configuration = try load()
        #expect(configuration.name == "tiny-eval")
        #expect(configuration.tasks == ["activity", "heart_rate"])
        #expect(configuration.fractions == [0.5, 1.0])
        #expect(configuration.seeds == [0, 1])
        #expect(configuration.modes == ["probe", "full"])
        #expect(configuration.evaluationProtocol == nil)
        #expect(configuration.scratch && configuration.featureBaseline && configuration.peakDetectionBaseline)
        #expect(configuration.fineTune.learningRate == 3e-3)
        #expect(configuration.fineTune.layerDecay == 0.75)
        #expect(configuration.fineTune.head == .linear)
        #expect(configuration.bootstrap == BootstrapSettings(resamples: 50, level: 0.95, seed: 0))
    }

    @Test func resolvedYAMLReadsBackEqual() throws {
        let configuration = try load(Self.yaml, ["protocol={kind: leave_subjects_out, folds: 3}", "finetune.head=mlp",
                                                 "finetune.hidden=16", "finetune.regression_loss=huber", "scratch.lr=1e-3",
                                                 "data.path=/tmp/some-dataset"])
        let text = try configuration.resolvedYAML()
        let reread = try load(text)
        #expect(reread == configuration)
        #expect(reread.evaluationProtocol == .leaveSubjectsOut(folds: 3, validationSubjects: 0, seed: 0))
        #expect(reread.fineTune.head == .mlp(hidden: 16))
        #expect(reread.scratchLearningRate == 1e-3)
    }

    @Test func unknownKeyNamesPathLineAndNearestKey() throws {
        let error = try #require(throws: ConfigError.self) { try load(Self.yaml.replacingOccurrences(of: "  lr: 3e-3", with: "  lrr: 3e-3")) }
        #expect(error.kind == .unknownKey)
        #expect(error.path == "finetune.lrr")
        #expect(error.location?.line == 10)
        #expect(error.suggestion == "finetune.lr")
    }

    @Test func overridesAreCheckedLikeFileValues() throws {
        #expect(try load(Self.yaml, ["fractions=[0.01, 0.05]"]).fractions == [0.01, 0.05])
        let zero = try #require(throws: ConfigError.self) { try load(Self.yaml, ["fractions=[0, 1]"]) }
        #expect(zero.path == "fractions.0" && zero.kind == .outOfRange)
        let task = try #require(throws: ConfigError.self) { try load(Self.yaml, ["tasks=[activty]"]) }
        #expect(task.path == "tasks.0" && task.suggestion == "activity")
        let mode = try #require(throws: ConfigError.self) { try load(Self.yaml, ["modes=[probe, probe]"]) }
        #expect(mode.kind == .inconsistent)
        let folds = try #require(throws: ConfigError.self) { try load(Self.yaml, ["protocol={kind: holdout, folds: 3}"]) }
        #expect(folds.path == "protocol.folds" && folds.kind == .inconsistent)
        let decay = try #require(throws: ConfigError.self) { try load(Self.yaml, ["finetune.layer_decay=0"]) }
        #expect(decay.path == "finetune.layer_decay")
    }

    /// 100 windows in batches of 32 are 4 steps per epoch: 3 epochs (12 steps) rise to 5 for min_steps 20
    /// and fall to 2 for max_steps 8.
    @Test func epochsFitTheStepBounds() throws {
        let configuration = try load()
        #expect(configuration.fineTuneConfiguration(mode: "probe", seed: 0, trainingWindows: 100).epochs == 5)
        #expect(configuration.fineTuneConfiguration(mode: "probe", seed: 0, trainingWindows: 1000).epochs == 3)
        let capped = try load(Self.yaml, ["finetune.max_steps=8", "finetune.min_steps=0"])
        #expect(capped.fineTuneConfiguration(mode: "full", seed: 0, trainingWindows: 100).epochs == 2)
        #expect(capped.fineTuneConfiguration(mode: "full", seed: 0, trainingWindows: 100).mode == .full(layerDecay: 0.75))
        #expect(capped.fineTuneConfiguration(mode: "full", seed: 0, trainingWindows: 100, forScratch: true).mode == .full(layerDecay: 1))
    }
}
