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
///
/// Every model's bootstrap is computed once on draws shared by the whole test set
/// (`BootstrapDraws`), so comparisons and seed means combine stored resample values; frozen
/// embeddings and classical features are extracted once per window; a feature-baseline sample
/// that repeats (every seed at 100 %) is fitted once. With `cells`, each finished model's
/// predictions are stored and a rerun in the same folder reuses them.
public final class Evaluator {
    public let configuration: EvaluationConfiguration
    public let source: PretrainingSource
    public let dataset: EvaluationDataset
    let cells: EvaluationCells?
    let stop: StopSignals?
    let log: (String) -> Void
    private var warnings: [String] = []

    /// Thrown by `run` when a stop signal arrived; every finished cell is stored.
    public struct Stopped: Error {
        public let signal: Int32
        public let cellsDone: Int
    }

    public init(configuration: EvaluationConfiguration, source: PretrainingSource, dataset: EvaluationDataset,
                cells: EvaluationCells? = nil, stop: StopSignals? = nil, log: @escaping (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.source = source
        self.dataset = dataset
        self.cells = cells
        self.stop = stop
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
    /// - Throws: `Stopped` after the cell during which a stop signal arrived.
    public func run() throws -> EvaluationResults {
        // The engine's kernels may split a reduction differently for another thread budget, so every
        // model trains and predicts on a one-thread budget and `threads` sets how many models train at
        // once: results.json is then the same for any `threads`.
        let budget = Threading.threadCount
        Threading.setThreadCount(1)
        defer { Threading.setThreadCount(budget) }
        let folds = try folds()
        let tasks = try configuration.tasks.map { try TaskSpec.named($0) }
        let pretrained = try source.pretrainedEncoder(manifest: dataset.manifest)
        let shared = SharedCaches(
            embeddings: try EmbeddingCache(encoder: pretrained, windows: dataset.windows, batchSize: configuration.fineTune.inferenceBatchSize),
            features: FeatureCache(windows: dataset.windows))
        var results = EvaluationResults(
            checkpointSHA256: source.checkpointSHA256, pretrainingSubjects: source.subjectsSeen,
            evaluationProtocol: configuration.evaluationProtocol ?? .holdout(
                validationFraction: source.configuration.split.validationFraction,
                testFraction: source.configuration.split.testFraction, seed: source.configuration.split.seed),
            fractions: configuration.fractions, seeds: configuration.seeds,
            bootstrapResamples: configuration.bootstrap.resamples, bootstrapSeed: configuration.bootstrap.seed)
        warnings = source.warnings
        cellsDone = 0
        for (taskIndex, task) in tasks.enumerated() {
            let targets = try dataset.targets(task, configurationPath: "tasks", configuration: configuration)
            var taskResults = TaskResults(task: task)
            for fold in folds {
                try evaluate(task: task, taskIndex: taskIndex, targets: targets, fold: fold, pretrained: pretrained, shared: shared,
                             into: &taskResults)
            }
            results.tasks.append(taskResults)
        }
        results.warnings = warnings
        return results
    }

    /// Per-window caches shared by every task, fold, fraction and seed.
    private struct SharedCaches {
        let embeddings: EmbeddingCache
        let features: FeatureCache
    }

    /// Cells trained in this process, and the lock that serialises logging and this count when cells train in parallel.
    private var cellsDone = 0
    private let progressLock = NSLock()

    /// Seeds for each purpose, from the config seed.
    private func seed(_ purpose: UInt64, _ values: UInt64...) -> UInt64 {
        values.reduce(Trainer.derivedSeed(configuration.seed, purpose)) { Trainer.derivedSeed($0, $1) }
    }

    /// One labelled sample of the sweep: a fraction × seed.
    private struct Draw {
        let fractionIndex: Int
        let fraction: Double
        let seed: UInt64
        let labelled: TaskTargets
        let tuneSeed: UInt64
    }

    /// A model that trains an encoder (pretrained partial/full, or scratch) on one draw.
    private struct EncoderJob {
        let model: String
        let mode: String
        let draw: Draw
    }

    private func evaluate(task: TaskSpec, taskIndex: Int, targets: TaskTargets, fold: EvaluationFold, pretrained: any Encoder,
                          shared: SharedCaches, into results: inout TaskResults) throws {
        let training = targets.restricted(toSubjects: Set(fold.train))
        let test = targets.restricted(toSubjects: Set(fold.test))
        guard training.count > 0 else { throw configuration.error(.inconsistent, at: "tasks", "\(EvaluationError.noTrainingWindows(task: task.name))") }
        guard test.count > 0 else { throw configuration.error(.inconsistent, at: "tasks", "\(EvaluationError.noTestWindows(task: task.name))") }
        let bootstrap = configuration.bootstrap.bootstrap
        let draws = bootstrap.draws(subjects: test.subjects)
        // Per "model/mode/fraction", each seed's metrics on the shared draws, in seed order.
        var statistics: [String: [[String: ResampledStatistic]]] = [:]
        var methods: [(key: String, model: String, mode: String, fraction: Double)] = [], seedsOf: [String: [UInt64]] = [:]
        var featureFits: [[Int]: Predictions] = [:]

        func record(_ model: String, _ mode: String, fraction: Double, seed: UInt64, _ cell: EvaluationCells.Cell) {
            let perMetric = Scoring.resampledStatistics(cell.predictions, targets: test, draws: draws)
            let metrics = Scoring.report(cell.predictions, targets: test, statistics: perMetric, level: bootstrap.level)
            results.runs.append(RunResult(model: model, mode: mode, fraction: fraction, seed: seed, fold: fold,
                                          trainingWindows: cell.trainingWindows, epochLosses: cell.epochLosses, metrics: metrics))
            let key = "\(model)/\(mode)/\(fraction)"
            if statistics[key] == nil { methods.append((key, model, mode, fraction)) }
            statistics[key, default: []].append(perMetric)
            seedsOf[key, default: []].append(seed)
            log("\(task.name) fold \(fold.index) fraction \(fraction) seed \(seed) \(model) \(mode): \(Self.summary(metrics)) (\(cell.trainingWindows) training windows)")
        }

        if task.kind == .regression, task.name == TaskSpec.heartRate.name, configuration.peakDetectionBaseline {
            let (values, undetected) = try PeakDetectionHeartRate().estimate(windows: dataset.windows, indices: test.windowIndices)
            if undetected > 0 {
                warnings.append("\(task.name) fold \(fold.index): peak detection found too few beats in \(undetected) of \(test.count) test windows; they got the median estimate")
            }
            record("peak_detection", "peaks", fraction: 0, seed: 0, EvaluationCells.Cell(
                trainingWindows: 0, epochLosses: [],
                predictions: Predictions(task: task, windowIndices: test.windowIndices, subjects: test.subjects, values: values)))
        }
        var sweep: [Draw] = []
        for (fractionIndex, fraction) in configuration.fractions.enumerated() {
            for runSeed in configuration.seeds {
                let sample = try LabelFraction.sample(training, fraction: fraction,
                                                      seed: seed(1, UInt64(taskIndex), UInt64(fold.index), UInt64(fractionIndex), runSeed))
                if !sample.missingClasses.isEmpty, fractionIndex == 0, runSeed == configuration.seeds[0] {
                    warnings.append("\(task.name) fold \(fold.index): class \(sample.missingClasses.joined(separator: ", ")) has no labelled window among the \(fold.train.count) training subjects, so no model can learn it")
                }
                sweep.append(Draw(fractionIndex: fractionIndex, fraction: fraction, seed: runSeed, labelled: training.selecting(sample.positions),
                                  tuneSeed: seed(2, UInt64(taskIndex), UInt64(fold.index), UInt64(fractionIndex), runSeed)))
            }
        }
        let place = CellPlace(task: task, fold: fold, test: test)
        // The encoder-training models are independent of each other: train them first (in parallel
        // when threads allow), then score everything in the sweep's order.
        let jobs = sweep.flatMap { draw in
            configuration.modes.filter { $0 != "probe" }.map { EncoderJob(model: "pretrained", mode: $0, draw: draw) }
                + (configuration.scratch ? [EncoderJob(model: "scratch", mode: "full", draw: draw)] : [])
        }
        let trained = try trainInParallel(jobs, place: place) { job in
            let encoder = job.model == "scratch"
                ? try self.source.scratchEncoder(manifest: self.dataset.manifest, seed: self.seed(3, UInt64(taskIndex), job.draw.seed))
                : pretrained
            let settings = self.configuration.fineTuneConfiguration(mode: job.mode, seed: job.draw.tuneSeed, trainingWindows: job.draw.labelled.count,
                                                                    forScratch: job.model == "scratch")
            let model = try FineTuner.train(encoder: encoder, windows: self.dataset.windows, training: job.draw.labelled, configuration: settings)
            return .init(trainingWindows: job.draw.labelled.count, epochLosses: model.epochLosses,
                         predictions: model.predict(windows: self.dataset.windows, targets: test))
        }
        var jobIndex = 0
        for draw in sweep {
            for mode in configuration.modes {
                if mode == "probe" {
                    let probe = try cell(EncoderJob(model: "pretrained", mode: mode, draw: draw), place: place) { job in
                        let settings = self.configuration.fineTuneConfiguration(mode: mode, seed: draw.tuneSeed, trainingWindows: draw.labelled.count)
                        let model = try FineTuner.train(encoder: pretrained, windows: self.dataset.windows, training: draw.labelled,
                                                        configuration: settings, cache: shared.embeddings)
                        return .init(trainingWindows: draw.labelled.count, epochLosses: model.epochLosses,
                                     predictions: model.predict(windows: self.dataset.windows, targets: test))
                    }
                    if let signal = stop?.receivedSignal { throw Stopped(signal: signal, cellsDone: cellsDone) }
                    record("pretrained", mode, fraction: draw.fraction, seed: draw.seed, probe)
                } else {
                    record("pretrained", mode, fraction: draw.fraction, seed: draw.seed, trained[jobIndex])
                    jobIndex += 1
                }
            }
            if configuration.scratch {
                record("scratch", "full", fraction: draw.fraction, seed: draw.seed, trained[jobIndex])
                jobIndex += 1
            }
            if configuration.featureBaseline {
                // A closed-form fit: the same labelled windows give the same predictions.
                let predictions: Predictions
                if let fitted = featureFits[draw.labelled.windowIndices] { predictions = fitted } else {
                    predictions = try FeatureBaseline().fitAndPredict(windows: dataset.windows, training: draw.labelled, test: test,
                                                                      cache: shared.features)
                    featureFits[draw.labelled.windowIndices] = predictions
                }
                record("features", task.kind == .classification ? "logistic" : "ridge", fraction: draw.fraction, seed: draw.seed,
                       EvaluationCells.Cell(trainingWindows: draw.labelled.count, epochLosses: [], predictions: predictions))
            }
            if draw.seed == configuration.seeds.last {
                results.comparisons += compare(task: task, fraction: draw.fraction, fold: fold, statistics: statistics, level: bootstrap.level)
            }
        }
        for method in methods {
            for metric in Scoring.metricNames(task.kind) {
                let seedMean = ResampledStatistic.mean(statistics[method.key]!.map { $0[metric]! })
                guard let interval = seedMean.interval(level: bootstrap.level) else { continue }
                results.summaries.append(MethodSummary(model: method.model, mode: method.mode, fraction: method.fraction, fold: fold.index,
                                                       seeds: seedsOf[method.key]!, metric: metric, interval: interval))
            }
        }
    }

    /// The task, fold and test set a cell belongs to.
    private struct CellPlace {
        let task: TaskSpec
        let fold: EvaluationFold
        let test: TaskTargets
    }

    /// The cell's stored result, or `train`'s (checked finite, then stored).
    private func cell(_ job: EncoderJob, place: CellPlace, _ train: (EncoderJob) throws -> EvaluationCells.Cell) throws -> EvaluationCells.Cell {
        let (task, fold) = (place.task, place.fold)
        let url = cells?.url(task: task.name, fold: fold.index, fraction: job.draw.fraction, seed: job.draw.seed, model: job.model, mode: job.mode)
        if let cells, let url, let stored = try cells.load(url) {
            guard stored.predictions.windowIndices == place.test.windowIndices, stored.predictions.task == task else {
                throw RunError.notARun(path: url.path, "this cell's predictions are not for the test windows of \(task.name) fold \(fold.index); delete it to recompute that cell")
            }
            return stored
        }
        let started = Date()
        let computed = try train(job)
        let output = computed.predictions
        if let bad = (output.values + output.probabilities).first(where: { !$0.isFinite }) {
            throw RunError.nonFiniteLoss(step: 0, what: "\(task.name) \(job.model) \(job.mode) at fraction \(job.draw.fraction), seed \(job.draw.seed): a prediction (\(bad))",
                                         lastCheckpointStep: nil)
        }
        if let cells, let url { try cells.save(computed, to: url) }
        progressLock.withLock {
            cellsDone += 1
            log(String(format: "%@ fold %d fraction %@ seed %llu %@ %@: trained in %.1f s", task.name, fold.index, "\(job.draw.fraction)",
                       job.draw.seed, job.model, job.mode, Date().timeIntervalSince(started)))
        }
        return computed
    }

    /// Runs `jobs` on `configuration.threads` workers (the engine budget is one thread, see `run`) and
    /// returns their cells in job order. A model's numbers do not depend on which worker trains it or
    /// when: its seeds come from its draw. A stop signal lets running jobs finish (and store their
    /// cells) and starts no more.
    private func trainInParallel(_ jobs: [EncoderJob], place: CellPlace,
                                 _ train: (EncoderJob) throws -> EvaluationCells.Cell) throws -> [EvaluationCells.Cell] {
        let workers = min(configuration.threads, jobs.count)
        if workers <= 1 {
            return try jobs.map { job in
                let output = try cell(job, place: place, train)
                if let signal = stop?.receivedSignal { throw Stopped(signal: signal, cellsDone: cellsDone) }
                return output
            }
        }
        let board = JobBoard(count: jobs.count)
        withoutActuallyEscaping(train) { escapable in
            // The workers share the evaluator read-only (its caches are filled before this runs);
            // each job trains its own encoder copy.
            nonisolated(unsafe) let (evaluator, work) = (self, escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while evaluator.stop?.receivedSignal == nil, let index = board.take() {
                    do { board.store(try evaluator.cell(jobs[index], place: place, work), at: index) } catch { board.fail(error) }
                }
            }
        }
        if let failure = board.failure { throw failure }
        if let signal = stop?.receivedSignal { throw Stopped(signal: signal, cellsDone: cellsDone) }
        return board.outputs.map { $0! }
    }

    /// Pretrained (each mode) against scratch and features at one fraction: per seed and pooled.
    private func compare(task: TaskSpec, fraction: Double, fold: EvaluationFold, statistics: [String: [[String: ResampledStatistic]]],
                         level: Double) -> [PairedComparison] {
        var comparisons: [PairedComparison] = []
        let baselines = [("scratch", "full"), ("features", task.kind == .classification ? "logistic" : "ridge")]
        for mode in configuration.modes {
            guard let ours = statistics["pretrained/\(mode)/\(fraction)"] else { continue }
            for (baseline, baselineMode) in baselines {
                guard let theirs = statistics["\(baseline)/\(baselineMode)/\(fraction)"], theirs.count == ours.count else { continue }
                for metric in Scoring.metricNames(task.kind) {
                    var groups: [([UInt64], [Int])] = configuration.seeds.indices.map { ([configuration.seeds[$0]], [$0]) }
                    if configuration.seeds.count > 1 { groups.append((configuration.seeds, Array(configuration.seeds.indices))) }
                    for (seeds, members) in groups {
                        let difference = ResampledStatistic.mean(members.map { ours[$0][metric]! })
                            - ResampledStatistic.mean(members.map { theirs[$0][metric]! })
                        guard let interval = difference.interval(level: level) else { continue }
                        comparisons.append(PairedComparison(metric: metric, first: "pretrained", second: baseline, mode: mode,
                                                            fraction: fraction, seeds: seeds, fold: fold.index, difference: interval))
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

/// The parallel workers' shared state: which job is next, the cells done, the first error.
private final class JobBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var outputs: [EvaluationCells.Cell?]
    private(set) var failure: (any Error)?

    init(count: Int) { outputs = Array(repeating: nil, count: count) }

    /// The next job's index, or nil when all are taken or one failed.
    func take() -> Int? {
        lock.withLock {
            guard failure == nil, next < outputs.count else { return nil }
            next += 1
            return next - 1
        }
    }

    func store(_ cell: EvaluationCells.Cell, at index: Int) { lock.withLock { outputs[index] = cell } }

    func fail(_ error: any Error) { lock.withLock { if failure == nil { failure = error } } }
}
