import Foundation
import Logging
import SensorData

/// Runs each stage of a pipeline through the stage commands' library entry points, deciding per stage from its
/// folder and completion record whether to reuse, resume or run it (see `PipelineRun`).
struct StageRunner {
    let root: URL
    let logger: Logger
    let stop: StopSignals?
    let interactive: Bool
    let report: (PipelineRun.StageStatus) -> Void
    private(set) var statuses: [PipelineRun.StageStatus] = []

    init(root: URL, logger: Logger, stop: StopSignals?, interactive: Bool, report: @escaping (PipelineRun.StageStatus) -> Void) {
        self.root = root
        self.logger = logger
        self.stop = stop
        self.interactive = interactive
        self.report = report
    }

    mutating func runAll(_ configuration: PipelineConfiguration, places: [URL]) throws -> PipelineFolders {
        // Locals, not properties: the stage closures run inside a mutating call on self.
        let interactive = self.interactive, stop = self.stop, logger = self.logger
        let trained = Self.trained
        let (dataDirectory, manifestHash) = try data(configuration.pretrain)
        let pretrainConfig = configuration.pretrain
        let pretrain = try stage(.pretrain, config: StageConfigText.pretrain(pretrainConfig), inputs: ["data": manifestHash],
                                 resolved: try pretrainConfig.resolvedYAML(),
                                 resume: { folder in
                                     guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.yaml").path) else { return false }
                                     try trained(.pretrain, PretrainRun.resume(runDirectory: folder, interactive: interactive, stop: stop))
                                     return true
                                 },
                                 run: { folder, config in
                                     try trained(.pretrain, PretrainRun.start(configFile: config, overrides: [], runDirectory: folder,
                                                                              interactive: interactive, stop: stop))
                                 })
        var folders = PipelineFolders(data: dataDirectory, pretrain: pretrain.folder)
        var reportInputs = ["pretrain": pretrain.identity.hash]

        if let evaluate = configuration.evaluate {
            let result = try stage(.evaluate, config: try evaluate.resolvedYAML(), inputs: ["pretrain": pretrain.identity.hash],
                                   resolved: try evaluate.resolvedYAML(), resume: nil) { folder, config in
                _ = try EvaluationRun.start(configFile: config, overrides: [], from: pretrain.folder, runDirectory: folder, interactive: interactive)
            }
            folders.evaluate = result.folder
            reportInputs["evaluate"] = result.identity.hash
        }
        var finetuneIdentity: StageIdentity?
        if let finetune = configuration.finetune {
            let result = try stage(.finetune, config: try finetune.resolvedYAML(), inputs: ["pretrain": pretrain.identity.hash],
                                   resolved: try finetune.resolvedYAML(),
                                   resume: { folder in
                                       do {
                                           try trained(.finetune, FineTuneRun.resume(runDirectory: folder, interactive: interactive, stop: stop).outcome)
                                       } catch RunError.notARun { return false }
                                       return true
                                   },
                                   run: { folder, config in
                                       try trained(.finetune, FineTuneRun.start(configFile: config, overrides: [], from: pretrain.folder, runDirectory: folder,
                                                                                interactive: interactive, stop: stop).outcome)
                                   })
            folders.finetune = result.folder
            finetuneIdentity = result.identity
            reportInputs["finetune"] = result.identity.hash
        }
        var distillIdentity: StageIdentity?
        if let distill = configuration.distill, let teacher = folders.finetune, let finetuneIdentity {
            let device = FileManager.default.contents(atPath: distill.device.path).map { SHA256.hexDigest(Array($0)) } ?? "missing"
            let result = try stage(.distill, config: distill.resolvedYAML, inputs: ["finetune": finetuneIdentity.hash, "device": device],
                                   resolved: distill.resolvedYAML, resume: nil) { folder, config in
                _ = try DistillRun.start(configFile: config, overrides: [], teacher: teacher, runDirectory: folder, interactive: interactive)
            }
            folders.distill = result.folder
            distillIdentity = result.identity
            reportInputs["distill"] = result.identity.hash
        }
        if configuration.stages.contains(.export), let distill = folders.distill, let distillIdentity {
            let settings = configuration.export
            let text = "formats: [\(settings.formats.joined(separator: ", "))]\nverify: \(settings.verify)\n"
            let result = try stage(.export, config: text, inputs: ["distill": distillIdentity.hash], resolved: nil, resume: nil) { folder, _ in
                _ = try ExportStage.run(distill: distill, settings: settings, to: folder, near: places) { logger.info("\($0)") }
            }
            folders.export = result.folder
            reportInputs["export"] = result.identity.hash
        }
        if configuration.stages.contains(.report) {
            let reportFolders = PipelineReport.Folders(pretrain: pretrain.folder, evaluate: folders.evaluate, finetune: folders.finetune,
                                                       distill: folders.distill, export: folders.export)
            let title = configuration.report.title
            let result = try stage(.report, config: "title: \(title)\n", inputs: reportInputs, resolved: nil, resume: nil) { folder, _ in
                let temporary = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial")
                try? FileManager.default.removeItem(at: temporary)
                _ = try PipelineReport.write(try PipelineReport.build(reportFolders, title: title), to: temporary)
                do { try FileManager.default.moveItem(at: temporary, to: folder) } catch {
                    throw RunError.io(path: folder.path, "cannot move the report into place: \(error.localizedDescription)")
                }
            }
            folders.report = result.folder
        }
        return folders
    }

    /// The dataset (the cached synthetic cohort, generated on first use, or the configured folder) and its manifest hash.
    private mutating func data(_ configuration: RunConfiguration) throws -> (URL, String) {
        let started = Date()
        var generated = false
        let logger = self.logger
        let directory = try RunData.datasetDirectory(configuration) { message in
            generated = true
            logger.info("\(message)")
        }
        let manifest = directory.appendingPathComponent(DatasetManifest.fileName)
        guard let bytes = FileManager.default.contents(atPath: manifest.path) else {
            throw configuration.error(.missingFile, at: "data", "cannot read \(manifest.path)")
        }
        let hash = SHA256.hexDigest(Array(bytes))
        finish(PipelineRun.StageStatus(stage: .data, outcome: generated ? .ran : .reused, folder: directory,
                                       seconds: Date().timeIntervalSince(started), hash: hash))
        return (directory, hash)
    }

    /// Reuses, resumes or runs one stage. `resume` continues an interrupted folder and returns false when the
    /// folder cannot be continued (it is then removed and the stage run again); `run` makes the stage in a folder
    /// that does not exist, from the resolved config written to `configs/` (`resolved`, when the stage reads one).
    private mutating func stage(_ stage: PipelineStage, config: String, inputs: [String: String], resolved: String?,
                                resume: ((URL) throws -> Bool)?, run: (URL, URL) throws -> Void) throws -> (folder: URL, identity: StageIdentity) {
        let identity = StageIdentity(stage: stage, config: config, inputs: inputs)
        let folder = root.appendingPathComponent(identity.folderName)
        if let record = StageRecord.completed(folder, identity: identity) {
            finish(PipelineRun.StageStatus(stage: stage, outcome: .reused, folder: folder, seconds: 0, hash: record.hash))
            return (folder, identity)
        }
        let started = Date()
        let configFile = root.appendingPathComponent("configs").appendingPathComponent("\(identity.folderName).yaml")
        if let resolved { try RunFolder.writeAtomically(Data(resolved.utf8), to: configFile) }
        var outcome = StageOutcome.ran
        if FileManager.default.fileExists(atPath: folder.path) {
            if let resume, try resume(folder) {
                outcome = .resumed
                logger.info("\(stage.rawValue): continued the interrupted \(folder.path)")
            } else {
                logger.info("\(stage.rawValue): removing the incomplete \(folder.path) and running it again")
                try remove(folder)
            }
        }
        if outcome == .ran {
            logger.info("\(stage.rawValue): running into \(folder.path)")
            try run(folder, configFile)
        }
        if let signal = stop?.receivedSignal { throw PipelineRun.Interrupted(stage: stage, signal: signal) }
        let seconds = Date().timeIntervalSince(started)
        try StageRecord(identity: identity, outcome: outcome, seconds: seconds).write(to: folder)
        finish(PipelineRun.StageStatus(stage: stage, outcome: outcome, folder: folder, seconds: seconds, hash: identity.hash))
        return (folder, identity)
    }

    private mutating func finish(_ status: PipelineRun.StageStatus) {
        statuses.append(status)
        logger.info("\(status.stage.rawValue): \(status.outcome.rawValue) (\(String(format: "%.1f", status.seconds)) s) \(status.folder.path)")
        report(status)
    }

    /// Throws `Interrupted` when a training stage stopped on a signal (its checkpoint is written).
    private static func trained(_ stage: PipelineStage, _ outcome: TrainingOutcome) throws {
        if case .interrupted(_, let signal) = outcome { throw PipelineRun.Interrupted(stage: stage, signal: signal) }
    }

    private func remove(_ folder: URL) throws {
        do { try FileManager.default.removeItem(at: folder) } catch {
            throw RunError.io(path: folder.path, "cannot remove the incomplete stage folder: \(error.localizedDescription)")
        }
    }
}

/// The config text a stage's identity hashes: its resolved config, minus what only says where things are kept.
enum StageConfigText {
    /// The resolved pretraining config without `data.cache` (the cohort's bytes are in the identity through the
    /// data manifest's hash; moving the cache, e.g. with SENSORFM_CACHE, changes nothing).
    static func pretrain(_ configuration: RunConfiguration) throws -> String {
        guard case .mapping(var entries, let location) = configuration.resolvedNode() else { return try configuration.resolvedYAML() }
        if let index = entries.firstIndex(where: { $0.key == "data" }), case .mapping(let data, let dataLocation) = entries[index].value {
            entries[index].value = .mapping(data.filter { $0.key != "cache" }, dataLocation)
        }
        return try ConfigNode.mapping(entries, location).yamlText()
    }
}
