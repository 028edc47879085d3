import Foundation
import Logging
import SensorData
import SensorEval
import SensorTensor

/// `sensorfm evaluate CONFIG --from RUN_DIR`: checks everything that can fail before creating the
/// run folder, then runs the protocol, sweeps and baselines and writes `results.json` (atomically)
/// with the test-set embeddings of the pretrained encoder for the report's map.
///
///     config.yaml               the resolved evaluation config
///     pretraining-config.yaml   the pretraining run's resolved config (the encoder's architecture)
///     meta.json                 kind, source run, checkpoint SHA-256, data manifest hash, machine, durations
///     results.json              every metric, interval, comparison, summary, split and seed
///     cells/                    each finished model's test predictions (what --resume reuses)
///     embeddings.safetensors    pretrained embeddings of (up to 2,000) test windows of fold 0
///     train.log                 progress lines
public enum EvaluationRun {
    /// Test windows embedded for the report's map.
    static let embeddingMapLimit = 2000

    /// Everything an evaluation or fine-tuning run reads, after the checks that need no training.
    struct Inputs {
        let configuration: EvaluationConfiguration
        let source: PretrainingSource
        let dataset: EvaluationDataset
    }

    /// Reads the config (of a pipeline file, its `section`), the pretraining run and the dataset, and checks tasks and folds.
    static func prepare(configFile: URL, overrides: [String], from: URL, section: String = "evaluate",
                        log: (String) -> Void) throws -> Inputs {
        let configuration = try EvaluationConfiguration.load(file: configFile, overrides: overrides, section: section)
        Threading.setThreadCount(configuration.threads)
        let source = try PretrainingSource.open(from, checkpoint: configuration.checkpoint)
        for warning in source.warnings { log("warning: \(warning)") }
        let dataset = try EvaluationDataset.load(configuration.dataPath ?? source.dataDirectory)
        do { _ = try source.encoderSpec(manifest: dataset.manifest) } catch let error as ConfigError {
            throw configuration.error(.inconsistent, at: configuration.dataPath == nil ? "" : "data.path",
                                      "the pretrained encoder does not fit the dataset \(dataset.directory.path): \(error.message)")
        }
        for name in configuration.tasks {
            _ = try dataset.targets(try TaskSpec.named(name), configurationPath: "tasks", configuration: configuration)
        }
        _ = try Evaluator(configuration: configuration, source: source, dataset: dataset).folds()
        return Inputs(configuration: configuration, source: source, dataset: dataset)
    }

    /// Runs the evaluation into a new run folder; returns the folder and whether it completed or
    /// was stopped by a signal (then `resume` continues it).
    public static func start(configFile: URL, overrides: [String], from: URL, runDirectory: URL?, interactive: Bool,
                             stop: StopSignals? = nil) throws -> (folder: URL, outcome: TrainingOutcome) {
        let console = RunLogSink(interactive: interactive, logFile: nil).logger()
        let inputs = try prepare(configFile: configFile, overrides: overrides, from: from) { console.info("\($0)") }
        let folder = try RunFolder.create(at: runDirectory?.standardizedFileURL ?? PretrainRun.defaultRunDirectory(name: inputs.configuration.name),
                                          resolvedConfig: try inputs.configuration.resolvedYAML())
        try RunFolder.writeAtomically(Data(inputs.source.configurationText.utf8),
                                      to: folder.url.appendingPathComponent("pretraining-config.yaml"))
        try folder.writeMeta(meta(kind: "evaluation", inputs: inputs))
        return (folder.url, try evaluate(inputs, folder: folder, interactive: interactive, stop: stop))
    }

    /// Continues the evaluation in `runDirectory` with its own config: finished cells are read back,
    /// the rest are trained, and `results.json` is the one an uninterrupted run writes.
    public static func resume(runDirectory: URL, interactive: Bool, stop: StopSignals? = nil) throws -> (folder: URL, outcome: TrainingOutcome) {
        let folder = try RunFolder.openForResume(at: runDirectory)
        let recorded = folder.readMeta()
        guard recorded["kind"] as? String == "evaluation", let from = recorded["pretraining_run"] as? String else {
            throw RunError.notARun(path: folder.url.path, "its meta.json is not an evaluation run's (kind evaluation, pretraining_run)")
        }
        let inputs = try prepare(configFile: folder.configURL, overrides: [], from: URL(fileURLWithPath: from)) { _ in }
        if let sha = recorded["checkpoint_sha256"] as? String, sha != inputs.source.checkpointSHA256 {
            throw RunError.notARun(path: folder.url.path, "the pretraining checkpoint changed: SHA-256 \(inputs.source.checkpointSHA256), the run recorded \(sha)")
        }
        if let hash = recorded["data_manifest_sha256"] as? String, hash != inputs.dataset.manifestHash {
            throw RunError.notARun(path: folder.url.path, "the dataset changed: manifest SHA-256 \(inputs.dataset.manifestHash), the run recorded \(hash)")
        }
        return (folder.url, try evaluate(inputs, folder: folder, interactive: interactive, stop: stop, previous: recorded))
    }

    /// Trains (or reads back) every cell, then writes results.json, the embedding map and the durations.
    private static func evaluate(_ inputs: Inputs, folder: RunFolder, interactive: Bool, stop: StopSignals?,
                                 previous: [String: Any]? = nil) throws -> TrainingOutcome {
        let configuration = inputs.configuration
        let started = Date()
        let logger = RunLogSink(interactive: interactive, logFile: folder.logURL).logger()
        logger.info("evaluation \(configuration.name) in \(folder.url.path)\(previous == nil ? "" : " (resumed)"): encoder \(inputs.source.checkpointURL.path) (SHA-256 \(inputs.source.checkpointSHA256.prefix(12))…), tasks \(configuration.tasks.joined(separator: ", ")), fractions \(configuration.fractions), seeds \(configuration.seeds)")
        let evaluator = Evaluator(configuration: configuration, source: inputs.source, dataset: inputs.dataset,
                                  cells: try EvaluationCells(directory: folder.url.appendingPathComponent("cells")), stop: stop) { logger.info("\($0)") }
        var meta = previous ?? self.meta(kind: "evaluation", inputs: inputs)
        var durations = meta["durations"] as? [String: Double] ?? [:]
        func recordDuration() throws {
            durations["evaluation"] = (((durations["evaluation"] ?? 0) + Date().timeIntervalSince(started)) * 10).rounded() / 10
            meta["durations"] = durations
            try folder.writeMeta(meta)
        }
        let results: EvaluationResults
        do { results = try evaluator.run() } catch let stopped as Evaluator.Stopped {
            try recordDuration()
            logger.notice("stopped by signal \(stopped.signal) after \(stopped.cellsDone) cells; continue with sensorfm evaluate --resume \(folder.url.path)")
            return .interrupted(step: stopped.cellsDone, signal: stopped.signal)
        }
        for warning in results.warnings { logger.warning("\(warning)") }
        let resultsURL = folder.url.appendingPathComponent("results.json")
        try RunFolder.writeAtomically(try results.encoded(), to: resultsURL)
        let fold = try evaluator.folds()[0]
        let testWindows = inputs.dataset.windows.windowIndices(ofSubjects: Set(fold.test))
        try EmbeddingExport.write(encoder: try inputs.source.pretrainedEncoder(manifest: inputs.dataset.manifest), dataset: inputs.dataset,
                                  indices: EmbeddingExport.evenlySpaced(testWindows, limit: embeddingMapLimit),
                                  encoderDescription: "pretrained \(inputs.source.checkpointURL.lastPathComponent) of \(inputs.source.folder.lastPathComponent)",
                                  batchSize: configuration.fineTune.inferenceBatchSize,
                                  to: folder.url.appendingPathComponent(EmbeddingExport.fileName))
        try recordDuration()
        logger.info("results: \(resultsURL.path)")
        return .completed(step: 1)
    }

    /// `meta.json` of an evaluation or fine-tuning run.
    static func meta(kind: String, inputs: Inputs) -> [String: Any] {
        let base = PretrainRun.machineMeta(seed: inputs.configuration.seed, threads: inputs.configuration.threads)
        return base.merging([
            "kind": kind,
            "pretraining_run": inputs.source.folder.path,
            "checkpoint": inputs.source.checkpointURL.lastPathComponent,
            "checkpoint_sha256": inputs.source.checkpointSHA256,
            "checkpoint_step": inputs.source.checkpointStep,
            "pretraining_subjects": inputs.source.subjectsSeen,
            "data_directory": inputs.dataset.directory.path,
            "data_manifest_sha256": inputs.dataset.manifestHash,
        ] as [String: Any]) { _, new in new }
    }
}
