import Foundation
import Testing
@testable import SensorRun

/// The pipeline file (one config for every stage) and the stage identities that decide reuse. No training here:
/// `Scripts/e2e.d/run.sh` runs the pipeline itself.
@Suite struct PipelineTests {
    static let yaml = """
        name: tiny
        seed: 5
        threads: 1
        stages: [data, pretrain, evaluate, finetune, distill, export, report]
        data:
          synthetic: {subjects: 6, hours: 1, seed: 2}
        pretrain:
          model: {dimensions: 16, depth: 1, heads: 2}
          objectives:
            - kind: masked_reconstruction
          split: {validation_fraction: 0.2, test_fraction: 0.3}
          optimizer:
            lr: 3e-3
          training: {batch_size: 8, steps: 20}
        evaluate:
          tasks: [activity]
          fractions: [0.05, 1.0]
        finetune:
          seed: 9
          tasks: [activity]
          modes: [full]
        distill:
          device: devices/wrist.yaml
          task: activity
        export: {formats: [tflite]}
        """

    func file(_ text: String = yaml) -> URL { RunTestSupport.writeConfig(text, name: "pipeline.yaml") }

    @Test func aStageConfigReadsItsSectionWithTheSharedKeys() throws {
        let file = file()
        let pretrain = try RunConfiguration.load(file: file, environment: [:])
        #expect(pretrain.name == "tiny-pretrain" && pretrain.seed == 5 && pretrain.threads == 1)
        #expect(pretrain.optimizer.learningRate == 3e-3 && pretrain.training.steps == 20)
        #expect(pretrain.data.source == .synthetic(subjects: 6, hours: 1, seed: 2))
        let finetune = try EvaluationConfiguration.load(file: file, section: "finetune")
        #expect(finetune.name == "tiny-finetune" && finetune.seed == 9 && finetune.modes == ["full"])
        let evaluate = try EvaluationConfiguration.load(file: file)
        #expect(evaluate.name == "tiny-evaluate" && evaluate.fractions == [0.05, 1.0])
        let distill = try DistillationRunConfiguration.load(file: file, overrides: ["student.width=4"])
        #expect(distill.name == "tiny-distill" && distill.width == 4 && distill.seed == 5)
        #expect(distill.device.path == file.deletingLastPathComponent().appendingPathComponent("devices/wrist.yaml").path)
    }

    @Test func theRunReadsEverySectionAsItsStageCommandDoes() throws {
        let file = file()
        let pipeline = try PipelineConfiguration.load(file: file, overrides: ["pretrain.optimizer.lr=1e-3"], environment: [:])
        #expect(pipeline.stages == PipelineStage.allCases)
        #expect(pipeline.pretrain == (try RunConfiguration.load(file: file, overrides: ["optimizer.lr=1e-3"], environment: [:])))
        #expect(pipeline.finetune == (try EvaluationConfiguration.load(file: file, section: "finetune")))
        #expect(pipeline.export.formats == ["tflite"] && pipeline.export.verify == "tflite_micro")
        #expect(pipeline.report.title == "SensorFM report: tiny")
    }

    @Test func anUnknownKeyInASectionNamesTheSectionLineAndNearestKey() throws {
        let text = Self.yaml.replacingOccurrences(of: "    lr: 3e-3", with: "    lrr: 3e-3")
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("lrr") }! + 1
        let error = #expect(throws: ConfigError.self) { try RunConfiguration.load(file: file(text), environment: [:]) }
        #expect(error?.path == "pretrain.optimizer.lrr" && error?.kind == .unknownKey)
        #expect(error?.suggestion == "pretrain.optimizer.lr" && error?.location?.line == line)
        let whole = #expect(throws: ConfigError.self) { try PipelineConfiguration.load(file: file(text), overrides: [], environment: [:]) }
        #expect(whole?.path == "pretrain.optimizer.lrr" && whole?.suggestion == "pretrain.optimizer.lr")
        let top = #expect(throws: ConfigError.self) {
            try PipelineConfiguration.load(file: file(), overrides: ["reprot={title: x}"], environment: [:])
        }
        #expect(top?.path == "reprot" && top?.suggestion == "report")
    }

    @Test func stagesMustBeInOrderWithWhatTheyRead() throws {
        let missing = #expect(throws: ConfigError.self) {
            try PipelineConfiguration.load(file: file(), overrides: ["stages=[data, pretrain, distill]"], environment: [:])
        }
        #expect(missing?.message.contains("distill reads the output of finetune") == true)
        let order = #expect(throws: ConfigError.self) {
            try PipelineConfiguration.load(file: file(), overrides: ["stages=[pretrain, data]"], environment: [:])
        }
        #expect(order?.message.contains("pipeline order") == true)
        let twice = #expect(throws: ConfigError.self) {
            try PipelineConfiguration.load(file: file(), overrides: ["pretrain.data={synthetic: {subjects: 4, hours: 1}}"], environment: [:])
        }
        #expect(twice?.path == "pretrain.data")
    }

    @Test func aStageConfigFileIsNotAPipeline() throws {
        let plain = RunTestSupport.writeConfig(RunTestSupport.yaml, name: "plain.yaml")
        #expect(throws: ConfigError.self) { try PipelineConfiguration.load(file: plain, overrides: [], environment: [:]) }
        #expect(try RunConfiguration.load(file: plain, environment: [:]).name == "tiny")
    }

    @Test func identitiesChangeWithTheirConfigAndInputsOnly() throws {
        let a = StageIdentity(stage: .evaluate, config: "fractions: [0.05]\n", inputs: ["pretrain": "p1"])
        #expect(a == StageIdentity(stage: .evaluate, config: "fractions: [0.05]\n", inputs: ["pretrain": "p1"]))
        #expect(a.hash != StageIdentity(stage: .evaluate, config: "fractions: [0.01]\n", inputs: ["pretrain": "p1"]).hash)
        #expect(a.hash != StageIdentity(stage: .evaluate, config: "fractions: [0.05]\n", inputs: ["pretrain": "p2"]).hash)
        #expect(a.hash != StageIdentity(stage: .finetune, config: "fractions: [0.05]\n", inputs: ["pretrain": "p1"]).hash)
        #expect(a.folderName.hasPrefix("evaluate-") && a.folderName.count == "evaluate-".count + 12)
        #expect(a.hash.count == 64 && a.hash.allSatisfy(\.isHexDigit))
    }

    @Test func thePretrainingIdentityIgnoresWhereTheCohortIsCached() throws {
        let file = file()
        let here = try RunConfiguration.load(file: file, environment: [:])
        let moved = try RunConfiguration.load(file: file, environment: ["SENSORFM_CACHE": "/elsewhere/cohorts"])
        #expect(here.data.cache != moved.data.cache)
        #expect(try StageConfigText.pretrain(here) == StageConfigText.pretrain(moved))
        let other = try RunConfiguration.load(file: file, overrides: ["training.steps=21"], environment: [:])
        #expect(try StageConfigText.pretrain(here) != StageConfigText.pretrain(other))
    }

    @Test func aCompletionRecordCountsOnlyForItsIdentity() throws {
        let folder = RunTestSupport.temporaryDirectory("stage-record")
        let identity = StageIdentity(stage: .report, config: "title: x\n", inputs: ["pretrain": "p"])
        #expect(StageRecord.completed(folder, identity: identity) == nil)
        try StageRecord(identity: identity, outcome: .ran, seconds: 1.25).write(to: folder)
        #expect(StageRecord.completed(folder, identity: identity)?.outcome == "ran")
        #expect(StageRecord.completed(folder, identity: StageIdentity(stage: .report, config: "title: y\n", inputs: ["pretrain": "p"])) == nil)
    }
}
