import Foundation
import Logging
import SensorData
import SensorEval
import SensorTensor

/// `sensorfm finetune CONFIG --from RUN_DIR`: one model per task (the config's first mode, its
/// largest label fraction and first seed) on the evaluation split's training subjects, saved as
/// `models/TASK.safetensors` for `sensorfm predict`, and scored on the test subjects in
/// `results.json`. Tasks are the unit of progress: each model is written atomically when done, a
/// stop signal ends the run between tasks, and `--resume` trains the tasks still missing
/// (deterministically, so a resumed run ends with the same files as an uninterrupted one).
public enum FineTuneRun {
    public static func start(configFile: URL, overrides: [String], from: URL, runDirectory: URL?, interactive: Bool,
                             stop: StopSignals?) throws -> (folder: URL, outcome: TrainingOutcome) {
        let console = RunLogSink(interactive: interactive, logFile: nil).logger()
        let inputs = try EvaluationRun.prepare(configFile: configFile, overrides: overrides, from: from,
                                               section: "finetune") { console.info("\($0)") }
        let folder = try RunFolder.create(
            at: runDirectory?.standardizedFileURL ?? PretrainRun.defaultRunDirectory(name: inputs.configuration.name),
            resolvedConfig: try inputs.configuration.resolvedYAML())
        try RunFolder.writeAtomically(Data(inputs.source.configurationText.utf8), to: pretrainingConfigURL(folder.url))
        try folder.writeMeta(EvaluationRun.meta(kind: "finetune", inputs: inputs))
        return (folder.url, try train(inputs, folder: folder, interactive: interactive, stop: stop))
    }

    /// Continues the fine-tuning run in `runDirectory` with the tasks whose model is missing.
    public static func resume(runDirectory: URL, interactive: Bool, stop: StopSignals?) throws -> (folder: URL, outcome: TrainingOutcome) {
        let folder = try RunFolder.openForResume(at: runDirectory)
        guard folder.readMeta()["kind"] as? String == "finetune", let from = folder.readMeta()["pretraining_run"] as? String else {
            throw RunError.notARun(path: folder.url.path, "its meta.json is not a fine-tuning run's (kind finetune, pretraining_run)")
        }
        let inputs = try EvaluationRun.prepare(configFile: folder.configURL, overrides: [], from: URL(fileURLWithPath: from)) { _ in }
        if let recorded = folder.readMeta()["checkpoint_sha256"] as? String, recorded != inputs.source.checkpointSHA256 {
            throw RunError.notARun(path: folder.url.path, "the pretraining checkpoint changed: SHA-256 \(inputs.source.checkpointSHA256), the run recorded \(recorded)")
        }
        return (folder.url, try train(inputs, folder: folder, interactive: interactive, stop: stop))
    }

    static func pretrainingConfigURL(_ folder: URL) -> URL { folder.appendingPathComponent("pretraining-config.yaml") }
    static func modelsURL(_ folder: URL) -> URL { folder.appendingPathComponent("models") }

    private static func train(_ inputs: EvaluationRun.Inputs, folder: RunFolder, interactive: Bool,
                              stop: StopSignals?) throws -> TrainingOutcome {
        let configuration = inputs.configuration, dataset = inputs.dataset
        let logger = RunLogSink(interactive: interactive, logFile: folder.logURL).logger()
        let evaluator = Evaluator(configuration: configuration, source: inputs.source, dataset: dataset)
        let fold = try evaluator.folds()[0]
        let mode = configuration.modes[0], fraction = configuration.fractions.max()!, seed = configuration.seeds[0]
        let models = modelsURL(folder.url)
        do { try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true) } catch {
            throw RunError.io(path: models.path, "cannot create: \(error.localizedDescription)")
        }
        let pretrained = try inputs.source.pretrainedEncoder(manifest: dataset.manifest)
        let metrics = try MetricsLog(url: folder.metricsURL, keepThroughStep: nil)
        let bootstrap = configuration.bootstrap.bootstrap
        var results = EvaluationResults(checkpointSHA256: inputs.source.checkpointSHA256, pretrainingSubjects: inputs.source.subjectsSeen,
                                        evaluationProtocol: configuration.evaluationProtocol ?? .holdout(
                                            validationFraction: inputs.source.configuration.split.validationFraction,
                                            testFraction: inputs.source.configuration.split.testFraction,
                                            seed: inputs.source.configuration.split.seed),
                                        fractions: [fraction], seeds: [seed], bootstrapResamples: bootstrap.resamples,
                                        bootstrapSeed: bootstrap.seed, warnings: inputs.source.warnings)
        for (taskIndex, name) in configuration.tasks.enumerated() {
            let task = try TaskSpec.named(name)
            let url = models.appendingPathComponent("\(name).safetensors")
            let targets = try dataset.targets(task, configurationPath: "tasks", configuration: configuration)
            let training = targets.restricted(toSubjects: Set(fold.train)), test = targets.restricted(toSubjects: Set(fold.test))
            let model: FineTunedModel
            if FileManager.default.fileExists(atPath: url.path) {
                model = try FineTunedModelFile.read(url, spec: try inputs.source.encoderSpec(manifest: dataset.manifest))
                logger.info("\(name): model already trained (\(url.lastPathComponent)); scoring it")
            } else {
                let sample = try LabelFraction.sample(training, fraction: fraction,
                                                      seed: Trainer.derivedSeed(configuration.seed, 1, UInt64(taskIndex), seed))
                let labelled = training.selecting(sample.positions)
                let settings = configuration.fineTuneConfiguration(mode: mode, seed: Trainer.derivedSeed(configuration.seed, 2, UInt64(taskIndex), seed),
                                                                   trainingWindows: labelled.count)
                logger.info("\(name): fine-tuning (\(mode), \(settings.epochs) epochs) on \(labelled.count) labelled windows of \(fold.train.count) subjects")
                let trained = try FineTuner.train(encoder: pretrained, windows: dataset.windows, training: labelled, configuration: settings)
                for (epoch, loss) in trained.epochLosses.enumerated() {
                    metrics.append(["step": epoch + 1, "loss.\(name)": MetricsLog.rounded(Double(loss))])
                }
                guard trained.epochLosses.allSatisfy(\.isFinite) else {
                    throw RunError.nonFiniteLoss(step: trained.epochLosses.count, what: "the \(name) fine-tuning loss", lastCheckpointStep: nil)
                }
                try FineTunedModelFile.write(trained, to: url)
                logger.info("\(name): wrote \(url.path)")
                model = trained
            }
            let report = Scoring.report(model.predict(windows: dataset.windows, targets: test), targets: test, bootstrap: bootstrap)
            logger.info("\(name) on \(fold.test.count) test subjects: \(Evaluator.summary(report))")
            // One seed: the model's own subject-bootstrap interval is the interval of its seed mean.
            let summaries = Scoring.metricNames(task.kind).compactMap { metric in
                report.interval(metric).map {
                    MethodSummary(model: "pretrained", mode: mode, fraction: fraction, fold: fold.index, seeds: [seed], metric: metric, interval: $0)
                }
            }
            results.tasks.append(TaskResults(task: task, runs: [RunResult(
                model: "pretrained", mode: mode, fraction: fraction, seed: seed, fold: fold, trainingWindows: training.count,
                epochLosses: model.epochLosses, metrics: report)], summaries: summaries))
            if let signal = stop?.receivedSignal, taskIndex + 1 < configuration.tasks.count {
                logger.notice("stopped by signal \(signal) after task \(name); resume with --resume")
                return .interrupted(step: taskIndex + 1, signal: signal)
            }
        }
        try RunFolder.writeAtomically(try results.encoded(), to: folder.url.appendingPathComponent("results.json"))
        logger.info("done: \(configuration.tasks.count) models in \(models.path)")
        return .completed(step: configuration.tasks.count)
    }
}
