import Foundation
import SensorData
import SensorEval
import SensorPretrain
import SensorTensor

/// Runs an evaluation config against a pretraining run: for every task and fold, every label
/// fraction × seed trains the pretrained encoder in each configured mode, the same architecture
/// from scratch and the feature baseline on the same labelled sample, scores them on the fold's
/// test subjects with subject-bootstrap intervals, and compares pretrained against each baseline
/// on paired resamples (per seed, and pooled over seeds).
public final class Evaluator {
    public let configuration: EvaluationConfiguration
    public let source: PretrainingSource
    public let dataset: EvaluationDataset
    let log: (String) -> Void
    private var warnings: [String] = []

    public init(configuration: EvaluationConfiguration, source: PretrainingSource, dataset: EvaluationDataset,
                log: @escaping (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.source = source
        self.dataset = dataset
        self.log = log
    }

    /// The folds of the configured protocol (the pretraining split when none is given), each
    /// checked against the subjects pretraining saw.
    public func folds() throws -> [EvaluationFold] {
        let folds = configuration.evaluationProtocol?.folds(subjects: dataset.manifest.subjects) ?? [source.split]
        for fold in folds {
            do { try PretrainingGuard.check(testSubjects: fold.test, pretrainingSubjects: source.subjectsSeen) } catch {
                throw configuration.error(.inconsistent, at: "protocol",
                                          "fold \(fold.index): \(error) (pretraining run \(source.folder.path) trained or validated on them)")
            }
            guard !fold.test.isEmpty, !fold.train.isEmpty else {
                throw configuration.error(.inconsistent, at: "protocol",
                                          "fold \(fold.index) has \(fold.train.count) training and \(fold.test.count) test subjects; both must be at least 1 (the pretraining run's split.test_fraction may be 0)")
            }
        }
        return folds
    }

    /// Runs everything; the results hold every number, split and seed.
    public func run() throws -> EvaluationResults {
        let folds = try folds()
        let tasks = try configuration.tasks.map { try TaskSpec.named($0) }
        let pretrained = try source.pretrainedEncoder(manifest: dataset.manifest)
        let cache = try EmbeddingCache(encoder: pretrained, windows: dataset.windows, batchSize: configuration.fineTune.inferenceBatchSize)
        var results = EvaluationResults(
            checkpointSHA256: source.checkpointSHA256, pretrainingSubjects: source.subjectsSeen,
            evaluationProtocol: configuration.evaluationProtocol ?? .holdout(
                validationFraction: source.configuration.split.validationFraction,
                testFraction: source.configuration.split.testFraction, seed: source.configuration.split.seed),
            fractions: configuration.fractions, seeds: configuration.seeds,
            bootstrapResamples: configuration.bootstrap.resamples, bootstrapSeed: configuration.bootstrap.seed)
        warnings = source.warnings
        for (taskIndex, task) in tasks.enumerated() {
            let targets = try dataset.targets(task, configurationPath: "tasks", configuration: configuration)
            var taskResults = TaskResults(task: task)
            for fold in folds {
                try evaluate(task: task, taskIndex: taskIndex, targets: targets, fold: fold, pretrained: pretrained, cache: cache,
                             into: &taskResults)
            }
            results.tasks.append(taskResults)
        }
        results.warnings = warnings
        return results
    }

    /// Seeds for each purpose, from the config seed.
    private func seed(_ purpose: UInt64, _ values: UInt64...) -> UInt64 {
        values.reduce(Trainer.derivedSeed(configuration.seed, purpose)) { Trainer.derivedSeed($0, $1) }
    }

    private func evaluate(task: TaskSpec, taskIndex: Int, targets: TaskTargets, fold: EvaluationFold, pretrained: any Encoder,
                          cache: EmbeddingCache, into results: inout TaskResults) throws {
        let training = targets.restricted(toSubjects: Set(fold.train))
        let test = targets.restricted(toSubjects: Set(fold.test))
        guard training.count > 0 else { throw configuration.error(.inconsistent, at: "tasks", "\(EvaluationError.noTrainingWindows(task: task.name))") }
        guard test.count > 0 else { throw configuration.error(.inconsistent, at: "tasks", "\(EvaluationError.noTestWindows(task: task.name))") }
        let bootstrap = configuration.bootstrap.bootstrap
        var predictions: [String: [Predictions]] = [:]
        func record(_ model: String, _ mode: String, fraction: Double, seed: UInt64, trainingWindows: Int, epochLosses: [Float],
                    _ output: Predictions) throws {
            if let bad = (output.values + output.probabilities).first(where: { !$0.isFinite }) {
                throw RunError.nonFiniteLoss(step: 0, what: "\(task.name) \(model) \(mode) at fraction \(fraction), seed \(seed): a prediction (\(bad))",
                                             lastCheckpointStep: nil)
            }
            let metrics = Scoring.report(output, targets: test, bootstrap: bootstrap)
            results.runs.append(RunResult(model: model, mode: mode, fraction: fraction, seed: seed, fold: fold,
                                          trainingWindows: trainingWindows, epochLosses: epochLosses, metrics: metrics))
            predictions["\(model)/\(mode)/\(fraction)", default: []].append(output)
            log("\(task.name) fold \(fold.index) fraction \(fraction) seed \(seed) \(model) \(mode): \(Self.summary(metrics)) (\(trainingWindows) training windows)")
        }

        if task.kind == .regression, task.name == TaskSpec.heartRate.name, configuration.peakDetectionBaseline {
            let (values, undetected) = try PeakDetectionHeartRate().estimate(windows: dataset.windows, indices: test.windowIndices)
            if undetected > 0 {
                warnings.append("\(task.name) fold \(fold.index): peak detection found too few beats in \(undetected) of \(test.count) test windows; they got the median estimate")
            }
            try record("peak_detection", "peaks", fraction: 0, seed: 0, trainingWindows: 0, epochLosses: [],
                       Predictions(task: task, windowIndices: test.windowIndices, subjects: test.subjects, values: values))
        }
        for (fractionIndex, fraction) in configuration.fractions.enumerated() {
            for runSeed in configuration.seeds {
                let sample = try LabelFraction.sample(training, fraction: fraction,
                                                      seed: seed(1, UInt64(taskIndex), UInt64(fold.index), UInt64(fractionIndex), runSeed))
                if !sample.missingClasses.isEmpty, fractionIndex == 0, runSeed == configuration.seeds[0] {
                    warnings.append("\(task.name) fold \(fold.index): class \(sample.missingClasses.joined(separator: ", ")) has no labelled window among the \(fold.train.count) training subjects, so no model can learn it")
                }
                let labelled = training.selecting(sample.positions)
                let tuneSeed = seed(2, UInt64(taskIndex), UInt64(fold.index), UInt64(fractionIndex), runSeed)
                for mode in configuration.modes {
                    let settings = configuration.fineTuneConfiguration(mode: mode, seed: tuneSeed, trainingWindows: labelled.count)
                    let model = try FineTuner.train(encoder: pretrained, windows: dataset.windows, training: labelled,
                                                    configuration: settings, cache: mode == "probe" ? cache : nil)
                    try record("pretrained", mode, fraction: fraction, seed: runSeed, trainingWindows: labelled.count,
                               epochLosses: model.epochLosses, model.predict(windows: dataset.windows, targets: test))
                }
                if configuration.scratch {
                    let encoder = try source.scratchEncoder(manifest: dataset.manifest, seed: seed(3, UInt64(taskIndex), runSeed))
                    let settings = configuration.fineTuneConfiguration(mode: "full", seed: tuneSeed, trainingWindows: labelled.count,
                                                                       forScratch: true)
                    let model = try FineTuner.train(encoder: encoder, windows: dataset.windows, training: labelled, configuration: settings)
                    try record("scratch", "full", fraction: fraction, seed: runSeed, trainingWindows: labelled.count,
                               epochLosses: model.epochLosses, model.predict(windows: dataset.windows, targets: test))
                }
                if configuration.featureBaseline {
                    let output = try FeatureBaseline().fitAndPredict(windows: dataset.windows, training: labelled, test: test)
                    try record("features", task.kind == .classification ? "logistic" : "ridge", fraction: fraction, seed: runSeed,
                               trainingWindows: labelled.count, epochLosses: [], output)
                }
            }
            results.comparisons += compare(task: task, fraction: fraction, fold: fold, test: test, predictions: predictions,
                                           bootstrap: bootstrap)
        }
    }

    /// Pretrained (each mode) against scratch and features at one fraction: per seed and pooled.
    private func compare(task: TaskSpec, fraction: Double, fold: EvaluationFold, test: TaskTargets, predictions: [String: [Predictions]],
                         bootstrap: SubjectBootstrap) -> [PairedComparison] {
        var comparisons: [PairedComparison] = []
        let baselines = [("scratch", "full"), ("features", task.kind == .classification ? "logistic" : "ridge")]
        for mode in configuration.modes {
            guard let ours = predictions["pretrained/\(mode)/\(fraction)"] else { continue }
            for (baseline, baselineMode) in baselines {
                guard let theirs = predictions["\(baseline)/\(baselineMode)/\(fraction)"], theirs.count == ours.count else { continue }
                for metric in Scoring.metricNames(task.kind) {
                    var groups: [([UInt64], [Predictions], [Predictions])] = configuration.seeds.indices.map {
                        ([configuration.seeds[$0]], [ours[$0]], [theirs[$0]])
                    }
                    if configuration.seeds.count > 1 { groups.append((configuration.seeds, ours, theirs)) }
                    for (seeds, first, second) in groups {
                        guard let difference = Scoring.pooledPairedDifference(metric: metric, first: first, second: second,
                                                                              targets: test, bootstrap: bootstrap) else { continue }
                        comparisons.append(PairedComparison(metric: metric, first: "pretrained", second: baseline, mode: mode,
                                                            fraction: fraction, seeds: seeds, fold: fold.index, difference: difference))
                    }
                }
            }
        }
        return comparisons
    }

    /// "accuracy 0.812 [0.75, 0.86]" or "mae 4.1 bpm [3.2, 5.0]": the headline metric of a report.
    static func summary(_ metrics: MetricReport) -> String {
        func text(_ name: String, _ interval: ConfidenceInterval?) -> String {
            guard let interval else { return "\(name) undefined" }
            return String(format: "%@ %.4f [%.4f, %.4f]", name, interval.estimate, interval.lower, interval.upper)
        }
        if let classification = metrics.classification {
            return text("accuracy", classification.accuracy) + ", " + text("macro-F1", classification.macroF1)
        }
        return text("MAE", metrics.regression?.meanAbsoluteError) + ", " + text("r", metrics.regression?.pearson)
    }
}
