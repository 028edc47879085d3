import Foundation
import SafeTensors
import SensorData
import SensorEval
import Testing
@testable import SensorRun

/// One tiny pretraining run (4 subjects × 3 min: 2 train, 1 validation, 1 test) shared by the tests.
enum EvaluationTestSupport {
    static let pretrainingRun: URL = {
        let folder = RunTestSupport.temporaryDirectory("eval-pretrain").appendingPathComponent("run")
        let config = RunTestSupport.writeConfig(RunTestSupport.yaml)
        _ = try! PretrainRun.start(configFile: config, overrides: [
            "data.synthetic.subjects=4", "split.validation_fraction=0.25", "split.test_fraction=0.25",
            "data.cache=\(RunTestSupport.cache.path)",
        ], runDirectory: folder, interactive: false, stop: nil)
        return folder
    }()

    static let yaml = """
        name: tiny-eval
        threads: 1
        tasks: [activity, heart_rate]
        fractions: [0.5, 1.0]
        seeds: [0]
        modes: [probe, full]
        finetune: {epochs: 1, batch_size: 8, inference_batch_size: 16}
        bootstrap: {resamples: 20}
        """

    static func config(_ text: String = yaml) -> URL { RunTestSupport.writeConfig(text, name: "tiny-eval.yaml") }

    static func evaluate(_ overrides: [String] = [], from: URL = pretrainingRun) throws -> URL {
        try EvaluationRun.start(configFile: config(), overrides: overrides, from: from,
                                runDirectory: RunTestSupport.temporaryDirectory("eval").appendingPathComponent("run"), interactive: false).folder
    }
}

@Suite(.serialized) struct EvaluationRunTests {
    @Test func evaluationWritesEveryModelFractionAndComparisonWithTheCheckpointHash() throws {
        let run = try EvaluationTestSupport.evaluate()
        let results = try EvaluationResults.decode(try Data(contentsOf: run.appendingPathComponent("results.json")))
        let checkpoint = EvaluationTestSupport.pretrainingRun.appendingPathComponent("checkpoints/step-00000006.safetensors")
        #expect(results.checkpointSHA256 == SHA256.hexDigest(try Data(contentsOf: checkpoint)))
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: EvaluationTestSupport.pretrainingRun
            .appendingPathComponent("meta.json"))) as? [String: Any])
        let split = try #require(meta["split"] as? [String: [String]])
        #expect(results.pretrainingSubjects == (split["train"]! + split["validation"]!).sorted())
        #expect(results.tasks.map(\.task.name) == ["activity", "heart_rate"])
        for task in results.tasks {
            let expected = ["pretrained/probe", "pretrained/full", "scratch/full", task.task.kind == .classification ? "features/logistic" : "features/ridge"]
            for fraction in [0.5, 1.0] {
                #expect(task.runs.filter { $0.fraction == fraction }.map { "\($0.model)/\($0.mode)" } == expected)
            }
            #expect(task.runs.allSatisfy { $0.fold.test == split["test"]! })
            // probe and full against scratch and features, per metric, for each fraction (one seed: no pooled entry).
            #expect(task.comparisons.count <= 2 * 2 * 2 * Scoring.metricNames(task.task.kind).count)
            #expect(task.comparisons.contains { $0.second == "scratch" && $0.mode == "probe" })
        }
        #expect(results.tasks[1].runs.first?.model == "peak_detection")
        let text = try String(contentsOf: run.appendingPathComponent("results.json"), encoding: .utf8)
        #expect(!text.lowercased().contains("nan"))
        let embeddings = try SafeTensorsFile(contentsOf: run.appendingPathComponent(EmbeddingExport.fileName))
        #expect(embeddings["embeddings"]?.shape.last == 8)
        #expect(embeddings["label.activity"] != nil)
    }

    @Test func sameConfigAndSeedGiveByteIdenticalResults() throws {
        let first = try Data(contentsOf: try EvaluationTestSupport.evaluate(["tasks=[heart_rate]"]).appendingPathComponent("results.json"))
        let second = try Data(contentsOf: try EvaluationTestSupport.evaluate(["tasks=[heart_rate]"]).appendingPathComponent("results.json"))
        #expect(first == second)
    }

    @Test func testSubjectsPretrainingSawAreRefusedBeforeAnyFolderIsWritten() throws {
        let folder = RunTestSupport.temporaryDirectory("eval-guard").appendingPathComponent("run")
        let error = try #require(throws: ConfigError.self) {
            try EvaluationRun.start(configFile: EvaluationTestSupport.config(), overrides: ["protocol={kind: leave_subjects_out, folds: 2}"],
                                    from: EvaluationTestSupport.pretrainingRun, runDirectory: folder, interactive: false)
        }
        #expect(error.path == "protocol")
        #expect(error.message.contains("were seen in pretraining"))
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func aRunFolderWithoutACheckpointIsAClearError() throws {
        let copy = RunTestSupport.temporaryDirectory("eval-nockpt").appendingPathComponent("run")
        try FileManager.default.copyItem(at: EvaluationTestSupport.pretrainingRun, to: copy)
        for name in try FileManager.default.contentsOfDirectory(atPath: copy.appendingPathComponent("checkpoints").path) {
            try FileManager.default.removeItem(at: copy.appendingPathComponent("checkpoints").appendingPathComponent(name))
        }
        let error = try #require(throws: RunError.self) { try EvaluationTestSupport.evaluate(from: copy) }
        #expect(error.description.contains("no usable checkpoint"))
        let notARun = try #require(throws: RunError.self) { try EvaluationTestSupport.evaluate(from: copy.appendingPathComponent("checkpoints")) }
        #expect(notARun.description.contains("no readable config.yaml"))
    }

    @Test func fineTunedModelsPredictTheSameAfterSavingAndFeedTheCSV() throws {
        let folder = RunTestSupport.temporaryDirectory("eval-ft").appendingPathComponent("run")
        let (run, outcome) = try FineTuneRun.start(configFile: EvaluationTestSupport.config(), overrides: ["modes=[full]"],
                                                   from: EvaluationTestSupport.pretrainingRun, runDirectory: folder, interactive: false, stop: nil)
        #expect(outcome == .completed(step: 2))
        let source = try PretrainingSource.open(EvaluationTestSupport.pretrainingRun)
        let dataset = try EvaluationDataset.load(source.dataDirectory)
        let models = try PredictionRun.fineTunedModels(run, dataset: dataset)
        #expect(models.map(\.task.name) == ["activity", "heart_rate"])
        // The saved results were scored with the in-memory models; the reloaded ones must score the same.
        let results = try EvaluationResults.decode(try Data(contentsOf: run.appendingPathComponent("results.json")))
        for (model, taskResults) in zip(models, results.tasks) {
            let targets = try TaskTargets(task: model.task, windows: dataset.windows).restricted(toSubjects: Set(source.split.test))
            let report = Scoring.report(model.predict(windows: dataset.windows, targets: targets), targets: targets,
                                        bootstrap: SubjectBootstrap(resamples: 20))
            #expect(report == taskResults.runs[0].metrics)
            // With one seed the seed mean's interval is the model's own subject-bootstrap interval.
            let defined = Scoring.metricNames(model.task.kind).filter { report.interval($0) != nil }
            #expect(!defined.isEmpty && taskResults.summaries.map(\.metric) == defined)
            for summary in taskResults.summaries {
                #expect(summary.seeds.count == 1 && summary.interval == report.interval(summary.metric))
            }
        }
        let csv = run.appendingPathComponent("predictions.csv")
        #expect(try PredictionRun.predict(runDirectory: run, data: source.dataDirectory, out: csv, threads: 1) == dataset.windows.windowCount)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == dataset.windows.windowCount + 1)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.prefix(3) == ["recording", "start_seconds", "activity"])
        #expect(header.last == "heart_rate_bpm")
        #expect(header.count == 3 + TaskSpec.activity.classCount + 1)
        #expect(throws: RunError.self) { try PredictionRun.predict(runDirectory: run, data: source.dataDirectory, out: csv, threads: 1) }
    }

    @Test func aStoppedFineTuningRunResumesToTheSameFilesAsAnUninterruptedOne() throws {
        func start(_ label: String, stop: StopSignals?) throws -> (URL, TrainingOutcome) {
            try FineTuneRun.start(configFile: EvaluationTestSupport.config(), overrides: ["modes=[probe]"],
                                  from: EvaluationTestSupport.pretrainingRun,
                                  runDirectory: RunTestSupport.temporaryDirectory(label).appendingPathComponent("run"),
                                  interactive: false, stop: stop)
        }
        let (full, _) = try start("eval-ft-full", stop: nil)
        let stop = StopSignals(install: false)
        stop.request(SIGTERM)
        let (stopped, outcome) = try start("eval-ft-stopped", stop: stop)
        #expect(outcome == .interrupted(step: 1, signal: SIGTERM))
        #expect(!FileManager.default.fileExists(atPath: stopped.appendingPathComponent("models/heart_rate.safetensors").path))
        #expect(try FineTuneRun.resume(runDirectory: stopped, interactive: false, stop: nil).outcome == .completed(step: 2))
        for file in ["models/activity.safetensors", "models/heart_rate.safetensors", "results.json", "metrics.jsonl"] {
            #expect(try Data(contentsOf: stopped.appendingPathComponent(file)) == Data(contentsOf: full.appendingPathComponent(file)), "\(file)")
        }
    }

    @Test func reportRendersByteIdenticallyAndRefusesToOverwriteOtherFiles() throws {
        let evaluation = try EvaluationTestSupport.evaluate(["tasks=[activity]"])
        let out = RunTestSupport.temporaryDirectory("eval-report").appendingPathComponent("report.html")
        let html = try ReportRun.render(folders: [EvaluationTestSupport.pretrainingRun, evaluation], out: out)
        let first = try Data(contentsOf: html), firstMarkdown = try Data(contentsOf: out.deletingPathExtension().appendingPathExtension("md"))
        _ = try ReportRun.render(folders: [EvaluationTestSupport.pretrainingRun, evaluation], out: out)
        #expect(try Data(contentsOf: html) == first)
        #expect(try Data(contentsOf: out.deletingPathExtension().appendingPathExtension("md")) == firstMarkdown)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.contains("pretrained probe") && text.contains("<svg"))
        let other = out.deletingLastPathComponent().appendingPathComponent("notes.html")
        try Data("my notes".utf8).write(to: other)
        #expect(throws: RunError.self) { try ReportRun.render(folders: [evaluation], out: other) }
        #expect(try String(contentsOf: other, encoding: .utf8) == "my notes")
    }

    @Test func aTaskWhoseLabelTheDatasetLacksNamesTheTasksKey() throws {
        let source = try PretrainingSource.open(EvaluationTestSupport.pretrainingRun)
        let loaded = try EvaluationDataset.load(source.dataDirectory)
        var windows = loaded.windows
        windows.labelSchema.removeAll { $0.name == "heart_rate" }
        windows.valueLabels["heart_rate"] = nil
        let dataset = EvaluationDataset(directory: loaded.directory, manifest: loaded.manifest, manifestHash: loaded.manifestHash, windows: windows)
        let configuration = try EvaluationConfiguration.load(file: EvaluationTestSupport.config())
        let error = try #require(throws: ConfigError.self) {
            try dataset.targets(.heartRate, configurationPath: "tasks", configuration: configuration)
        }
        #expect(error.path == "tasks" && error.location?.line == 3)
        #expect(error.message.contains("needs the window label \"heart_rate\", which the dataset lacks"))
    }

    /// PCA of points on a line in 3-D: the first axis carries all the variance, its scores are the
    /// positions along the line (centred, up to the unit direction's scale).
    @Test func projectionFindsTheLeadingAxis() {
        let direction: [Float] = [2.0 / 3, 1.0 / 3, 2.0 / 3]
        let positions: [Float] = [-2, -1, 0, 1, 2, 3]
        let values = positions.flatMap { t in direction.map { $0 * t + 5 } }
        let (first, _, shares) = EmbeddingProjection.project(values, count: positions.count, width: 3)
        let mean = positions.reduce(0, +) / Float(positions.count)
        for (score, t) in zip(first, positions) { #expect(abs(score - Double(t - mean)) < 1e-4) }
        #expect(abs(shares.0 - 1) < 1e-5)
    }
}
