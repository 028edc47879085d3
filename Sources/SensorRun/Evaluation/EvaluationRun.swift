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
///     results.json              every metric, interval, comparison, split and seed
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

    /// Runs the evaluation into a new run folder and returns the folder.
    public static func start(configFile: URL, overrides: [String], from: URL, runDirectory: URL?, interactive: Bool) throws -> URL {
        let console = RunLogSink(interactive: interactive, logFile: nil).logger()
        let inputs = try prepare(configFile: configFile, overrides: overrides, from: from) { console.info("\($0)") }
        let configuration = inputs.configuration
        let started = Date()
        let folder = try RunFolder.create(at: runDirectory?.standardizedFileURL ?? PretrainRun.defaultRunDirectory(name: configuration.name),
                                          resolvedConfig: try configuration.resolvedYAML())
        let logger = RunLogSink(interactive: interactive, logFile: folder.logURL).logger()
        try RunFolder.writeAtomically(Data(inputs.source.configurationText.utf8),
                                      to: folder.url.appendingPathComponent("pretraining-config.yaml"))
        var meta = self.meta(kind: "evaluation", inputs: inputs)
        try folder.writeMeta(meta)
        logger.info("evaluation \(configuration.name) in \(folder.url.path): encoder \(inputs.source.checkpointURL.path) (SHA-256 \(inputs.source.checkpointSHA256.prefix(12))…), tasks \(configuration.tasks.joined(separator: ", ")), fractions \(configuration.fractions), seeds \(configuration.seeds)")
        let evaluator = Evaluator(configuration: configuration, source: inputs.source, dataset: inputs.dataset) { logger.info("\($0)") }
        let results = try evaluator.run()
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
        meta["durations"] = ["evaluation": (Date().timeIntervalSince(started) * 10).rounded() / 10]
        try folder.writeMeta(meta)
        logger.info("results: \(resultsURL.path)")
        return folder.url
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
