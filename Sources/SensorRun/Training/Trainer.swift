import Foundation
import Logging
import SensorData
import SensorNN
import SensorPretrain
import SensorTensor

/// How a training call ended.
public enum TrainingOutcome: Equatable, Sendable {
    /// All configured steps are done (the final checkpoint is written).
    case completed(step: Int)
    /// A stop signal arrived; a checkpoint of `step` was written.
    case interrupted(step: Int, signal: Int32)
}

/// The training loop: model, optimizer, schedule and data from a configuration; every random draw
/// derived from (seed, purpose, step), so that a checkpoint (weights, optimizer state, step) is all a
/// resume needs to continue bit-identically.
public final class Trainer {
    public let configuration: RunConfiguration
    public let data: RunData
    public let model: PretrainingModel
    public let optimizer: any Optimizer
    let schedule: any LearningRateSchedule
    let loader: RunLoader
    let folder: RunFolder?
    let metrics: MetricsLog?
    let logger: Logger
    let stop: StopSignals?
    /// The job's ranks (one process unless started by mpirun/srun); see `Trainer+Distributed.swift`.
    let communicator: any Communicator
    /// This rank's rows of each global batch; nil in one process.
    let shard: BatchShard?
    let gradientAverager: GradientAverager?
    /// The contrastive objectives' all-gather over the ranks; nil in one process.
    let rowExchange: CommunicatorRowExchange?
    public private(set) var step = 0
    private(set) var bestValidationLoss = Double.infinity
    private var lastCheckpointStep: Int?

    /// Seeds for each purpose, from the run seed (SplitMix64 finaliser over the numbers).
    static func derivedSeed(_ values: UInt64...) -> UInt64 {
        var state: UInt64 = 0x5345_4E53_4F52_464D
        for value in values {
            state = (state ^ value) &+ 0x9E37_79B9_7F4A_7C15
            state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
            state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
            state ^= state >> 31
        }
        return state
    }

    enum Purpose: UInt64 { case model = 1, loader, step, validationLoader, validationStep }

    /// The generator of training step `step` (masks); saved in checkpoints as a consistency check.
    func stepGenerator(_ step: Int) -> RandomGenerator {
        RandomGenerator(seed: Self.derivedSeed(configuration.seed, Purpose.step.rawValue, UInt64(step)))
    }

    /// - Parameters:
    ///   - folder: where checkpoints and metrics go; nil trains in memory (tests).
    ///   - stop: polled after every step.
    ///   - communicator: the data-parallel job; each rank trains on its part of every global batch.
    /// - Throws: `ConfigError` when the objectives do not fit the data's layout or the ranks do not divide the batch.
    public init(configuration: RunConfiguration, data: RunData, folder: RunFolder?, metrics: MetricsLog?, logger: Logger,
                stop: StopSignals? = nil, communicator: any Communicator = SingleProcessCommunicator()) throws {
        self.configuration = configuration
        self.data = data
        self.folder = folder
        self.metrics = metrics
        self.logger = logger
        self.stop = stop
        self.communicator = communicator
        shard = try Self.shard(configuration, communicator: communicator)
        Threading.setThreadCount(configuration.threads)
        var generator = RandomGenerator(seed: Self.derivedSeed(configuration.seed, Purpose.model.rawValue))
        model = try RunObjectives.makeModel(configuration, layout: data.layout, generator: &generator)
        let settings = configuration.optimizer
        let parameters = model.optimizedParameters()
        switch settings.name {
        case "sgd":
            optimizer = SGD(parameters: parameters, learningRate: settings.learningRate, momentum: settings.momentum,
                            weightDecay: settings.weightDecay)
        case "adam":
            optimizer = Adam(parameters: parameters, learningRate: settings.learningRate,
                             betas: (settings.betas[0], settings.betas[1]), weightDecay: settings.weightDecay)
        default:
            optimizer = AdamW(parameters: parameters, learningRate: settings.learningRate,
                              betas: (settings.betas[0], settings.betas[1]), weightDecay: settings.weightDecay)
        }
        if configuration.schedule.kind == "cosine" {
            schedule = CosineSchedule(peak: settings.learningRate, minimum: configuration.schedule.minimumLearningRate,
                                      warmUpSteps: configuration.schedule.warmupSteps, totalSteps: configuration.training.steps)
        } else {
            schedule = ConstantSchedule(learningRate: settings.learningRate)
        }
        loader = RunLoader(windows: data.train, views: RunObjectives.loaderViews(configuration.objectives),
                           batchSize: configuration.training.batchSize,
                           seed: Self.derivedSeed(configuration.seed, Purpose.loader.rawValue))
        gradientAverager = communicator.size > 1
            ? GradientAverager(parameters: model.optimizedParameters().map(\.1), communicator: communicator) : nil
        rowExchange = communicator.size > 1 ? CommunicatorRowExchange(communicator: communicator) : nil
    }

    /// Restores weights, optimizer state and step from `checkpoint`.
    public func restore(_ checkpoint: Checkpoint) throws {
        try checkpoint.restore(model: model, optimizer: optimizer)
        step = checkpoint.step
        if let saved = try checkpoint.generator, saved != stepGenerator(step) {
            throw RunError.notARun(path: checkpoint.source, "its random state does not match this configuration's seed")
        }
        bestValidationLoss = checkpoint.metadata["best_validation_loss"].flatMap(Double.init) ?? .infinity
        lastCheckpointStep = step
    }

    func makeCheckpoint() -> Checkpoint {
        Checkpoint(model: model, optimizer: optimizer, step: step, generator: stepGenerator(step), metadata: [
            "run_name": configuration.name,
            "loader_epoch": "\(step / loader.batchesPerEpoch)", "loader_batch": "\(step % loader.batchesPerEpoch)",
            "best_validation_loss": "\(bestValidationLoss)",
        ])
    }

    func saveCheckpoint() throws {
        guard let folder, lastCheckpointStep != step else { return }
        let url = try folder.save(makeCheckpoint(), step: step, keepLast: configuration.training.keepLast)
        lastCheckpointStep = step
        logger.info("checkpoint \(url.lastPathComponent)")
    }

    /// Trains from the current step to `configuration.training.steps`, or until a stop signal.
    /// - Throws: `RunError.nonFiniteLoss` (nothing is saved for the bad step), I/O errors.
    public func train() throws -> TrainingOutcome {
        let training = configuration.training
        try synchronizeStateFromRoot()
        guard step < training.steps else { return .completed(step: step) }
        let batches = StepBatches(loader: loader, steps: step..<training.steps, rows: shard?.rows)
        defer { batches.cancel() }
        let parameters = model.parameters()
        let clip = configuration.optimizer.clipNorm ?? .infinity
        var progress = ThroughputMeter(batchSize: training.batchSize, totalSteps: training.steps, startStep: step)
        model.train()
        while step < training.steps {
            let started = DispatchTime.now().uptimeNanoseconds
            let batch = batches.batch(step: step)
            let waited = DispatchTime.now().uptimeNanoseconds - started
            optimizer.learningRate = schedule.learningRate(step: step)
            optimizer.zeroGrad()
            var generator = stepGenerator(step)
            let losses = RunObjectives.losses(model, batch: batch, shard: shard, exchange: rowExchange,
                                              globalSubjects: globalSubjects(of: batch), generator: &generator)
            let total = Double(losses.total.item)
            if let bad = losses.perObjective.first(where: { !$0.1.isFinite }) ?? (total.isFinite ? nil : ("total loss", total)) {
                throw RunError.nonFiniteLoss(step: step + 1, what: "the \(bad.0) loss (\(bad.1))", lastCheckpointStep: lastCheckpointStep)
            }
            losses.total.backward()
            try gradientAverager?.average()
            let norm = clipGradientNorm(parameters, maxNorm: clip)
            guard norm.isFinite else {
                throw RunError.nonFiniteLoss(step: step + 1, what: "the gradient norm (\(norm))", lastCheckpointStep: lastCheckpointStep)
            }
            optimizer.step()
            model.updateMomentumTargets()
            step += 1
            progress.record(seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, waiting: Double(waited) / 1e9)
            if step % training.logInterval == 0 || step == training.steps {
                let (logged, loggedTotal) = try meanOverRanks(losses, total: total)
                logStep(logged, total: loggedTotal, gradientNorm: Double(norm), progress: &progress)
            }
            if training.validationInterval > 0, step % training.validationInterval == 0 || step == training.steps {
                try validate()
            }
            if step % training.checkpointInterval == 0 || step == training.steps { try saveCheckpoint() }
            if let signal = try agreedStopSignal() {
                try saveCheckpoint()
                logger.notice("stopped by signal \(signal) after step \(step); resume with --resume")
                return .interrupted(step: step, signal: signal)
            }
        }
        logger.info("done: \(step) steps; \(String(format: "%.2f", progress.overallWindowsPerSecond)) windows/s over steps after the first 3 (\(String(format: "%.1f", progress.steadyMillisecondsPerStep)) ms per step, of which \(String(format: "%.2f", progress.steadyWaitingMillisecondsPerStep)) waiting for the loader)")
        logCommunicationTime(steps: step - progress.startStep)
        return .completed(step: step)
    }

    private func logStep(_ losses: StepLosses, total: Double, gradientNorm: Double, progress: inout ThroughputMeter) {
        let rate = progress.intervalWindowsPerSecond()
        var entry: [String: Any] = [
            "step": step, "loss": MetricsLog.rounded(total), "lr": Double("\(optimizer.learningRate)") ?? 0,
            "grad_norm": MetricsLog.rounded(gradientNorm), "windows_per_s": MetricsLog.rounded(rate),
        ]
        for (name, value) in losses.terms { entry[ObjectiveLosses.isMonitor(name) ? name : "loss.\(name)"] = MetricsLog.rounded(value) }
        metrics?.append(entry)
        let parts = losses.perObjective.map { "\($0.0) \(String(format: "%.4f", $0.1))" }.joined(separator: ", ")
        logger.info("step \(step)/\(configuration.training.steps) loss \(String(format: "%.4f", total)) (\(parts)) lr \(String(format: "%.2e", optimizer.learningRate)) \(String(format: "%.1f", rate)) windows/s ETA \(progress.etaText(step: step))",
                    metadata: [RunLogSink.progressKey: "1"])
    }

    /// Mean losses over the first `validationBatches` validation batches, drawn identically every time.
    /// A new best writes `best.safetensors`.
    public func validate() throws {
        let training = configuration.training
        let count = data.validation.windowCount
        let batchSize = min(training.batchSize, count)
        let validationLoader = RunLoader(windows: data.validation, views: RunObjectives.loaderViews(configuration.objectives),
                                         batchSize: batchSize,
                                         seed: Self.derivedSeed(configuration.seed, Purpose.validationLoader.rawValue),
                                         prefetchDepth: 1)
        let batchCount = min(training.validationBatches, validationLoader.batchesPerEpoch)
        var total = 0.0
        var terms: [String: Double] = [:]
        model.eval()
        defer { model.train() }
        withNoGrad {
            for index in 0..<batchCount {
                var generator = RandomGenerator(seed: Self.derivedSeed(configuration.seed, Purpose.validationStep.rawValue, UInt64(index)))
                let losses = RunObjectives.losses(model, batch: validationLoader.batch(epoch: 0, index: index), generator: &generator)
                total += Double(losses.total.item) / Double(batchCount)
                for (name, value) in losses.terms { terms[name, default: 0] += value / Double(batchCount) }
            }
        }
        var entry: [String: Any] = ["step": step, "validation_loss": MetricsLog.rounded(total), "validation_batches": batchCount]
        for (name, value) in terms {
            entry[ObjectiveLosses.isMonitor(name) ? "validation_\(name)" : "validation_loss.\(name)"] = MetricsLog.rounded(value)
        }
        metrics?.append(entry)
        let note = total < bestValidationLoss ? " (best)" : ""
        logger.info("validation at step \(step): loss \(String(format: "%.4f", total))\(note)\(Self.baselineSummary(terms, objectives: model.specs.map(\.name)))")
        if total < bestValidationLoss {
            bestValidationLoss = total
            if let folder {
                do { try makeCheckpoint().write(to: folder.bestCheckpointURL) } catch {
                    throw RunError.io(path: folder.bestCheckpointURL.path, "cannot write the best checkpoint: \(error)")
                }
            }
        }
    }
}

extension Trainer {
    /// "; NAME 0.1234 vs baseline 0.9876 (ppg 0.1/0.9, ...), top-1 0.85 vs chance 0.008" for every
    /// objective with a baseline among the averaged validation `terms`.
    static func baselineSummary(_ terms: [String: Double], objectives: [String]) -> String {
        func number(_ value: Double) -> String { String(format: value < 0.01 ? "%.4f" : "%.3f", value) }
        var parts: [String] = []
        for name in objectives {
            guard let loss = terms[name], let baseline = terms["baseline.\(name)"] else { continue }
            var text = "\(name) \(number(loss)) vs baseline \(number(baseline))"
            let modalities = terms.keys.filter { $0.hasPrefix("baseline.\(name).") }.sorted()
                .compactMap { key -> String? in
                    let modality = String(key.dropFirst("baseline.\(name).".count))
                    return terms["\(name).\(modality)"].map { "\(modality) \(number($0))/\(number(terms[key]!))" }
                }
            if !modalities.isEmpty { text += " (\(modalities.joined(separator: ", ")))" }
            if let accuracy = terms["accuracy.\(name)"], let chance = terms["chance_accuracy.\(name)"] {
                text += ", top-1 \(number(accuracy)) vs chance \(number(chance))"
            }
            parts.append(text)
        }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: "; ")
    }
}

/// Step times for windows/s and the ETA.
struct ThroughputMeter {
    let batchSize: Int
    let totalSteps: Int
    let startStep: Int
    private var recorded: [Double] = []
    /// Per step, the part of `recorded` spent waiting for the background loader's batch.
    private var waiting: [Double] = []
    private var intervalStart = 0

    init(batchSize: Int, totalSteps: Int, startStep: Int) {
        self.batchSize = batchSize
        self.totalSteps = totalSteps
        self.startStep = startStep
    }

    /// One step's wall time, from asking for its batch to the end of the optimizer update (logging,
    /// validation and checkpoints come after and are not counted), and how much of it was the wait.
    mutating func record(seconds: Double, waiting wait: Double = 0) {
        recorded.append(seconds)
        waiting.append(wait)
    }

    /// Windows per second since the previous call.
    mutating func intervalWindowsPerSecond() -> Double {
        let interval = recorded[intervalStart...]
        intervalStart = recorded.count
        let seconds = interval.reduce(0, +)
        return seconds > 0 ? Double(interval.count * batchSize) / seconds : 0
    }

    /// Windows per second over all steps of this call but the first three (warm-up).
    var overallWindowsPerSecond: Double {
        let steady = recorded.count > 3 ? recorded.dropFirst(3) : recorded[...]
        let seconds = steady.reduce(0, +)
        return seconds > 0 ? Double(steady.count * batchSize) / seconds : 0
    }

    /// Mean step time and mean loader wait over the steps `overallWindowsPerSecond` counts, in ms.
    var steadyMillisecondsPerStep: Double { Self.steadyMean(recorded) * 1000 }
    var steadyWaitingMillisecondsPerStep: Double { Self.steadyMean(waiting) * 1000 }

    private static func steadyMean(_ values: [Double]) -> Double {
        let steady = values.count > 3 ? values.dropFirst(3) : values[...]
        return steady.isEmpty ? 0 : steady.reduce(0, +) / Double(steady.count)
    }

    func etaText(step: Int) -> String {
        let recent = recorded.suffix(20)
        guard !recent.isEmpty else { return "?" }
        let seconds = Int(Double(totalSteps - step) * recent.reduce(0, +) / Double(recent.count))
        return seconds >= 3600 ? String(format: "%dh%02dm", seconds / 3600, seconds / 60 % 60) : String(format: "%dm%02ds", seconds / 60, seconds % 60)
    }
}
