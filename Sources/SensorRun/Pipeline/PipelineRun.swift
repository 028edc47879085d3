import Foundation
import Logging
import SensorData
import SensorEdge

/// `sensorfm run PIPELINE.yaml`: data -> pretrain -> evaluate -> finetune (the teacher) -> distill -> export and
/// TFLite Micro check -> report, each stage in its own folder of the pipeline's run folder:
///
///     runs/NAME/
///       pipeline.json              every stage's folder, outcome (ran / resumed / reused) and seconds; the report
///       pipeline.log               the orchestrator's log lines (each stage also logs into its own folder)
///       summary.txt                the five-line summary
///       report.html -> report-HASH/report.html
///       configs/STAGE-HASH.yaml    the resolved stage config each stage was started with
///       pretrain-HASH/  evaluate-HASH/  finetune-HASH/  distill-HASH/   the stage commands' run folders
///       export-HASH/{tflite,c}/    the student as .tflite and C with model cards, runtime-check.json
///       report-HASH/report.{html,md}
///
/// HASH is the stage's `StageIdentity` (its resolved config and the identities of its inputs). A folder holding
/// `stage.json` of that identity is reused; one without it was interrupted and is resumed (pretrain, finetune) or
/// made again (the others), so re-running after a crash or kill -9 continues where it stopped, and changing one
/// section re-runs that stage and the stages after it only.
public enum PipelineRun {
    /// One stage's line in the log and in `pipeline.json`.
    public struct StageStatus: Sendable {
        public let stage: PipelineStage
        public let outcome: StageOutcome
        public let folder: URL
        public let seconds: Double
        public let hash: String?

        public var line: String {
            let name = stage.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            let what = outcome.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            return "\(name) \(what) \(String(format: "%7.1f s", seconds))  \(folder.path)"
        }
    }

    public struct Result: Sendable {
        public let runDirectory: URL
        public let stages: [StageStatus]
        /// The five summary lines (data, pretraining, label efficiency, student, runtime).
        public let summary: [String]
        /// The report (the run folder's `report.html` link to the report stage's file); nil without a report stage.
        public let report: URL?
    }

    /// A stop signal ended the run after a stage wrote its checkpoint (or between stages); running again continues.
    public struct Interrupted: Error, CustomStringConvertible {
        public let stage: PipelineStage
        public let signal: Int32
        public var description: String { "stopped by signal \(signal) in the \(stage.rawValue) stage; run the same command again to continue" }
    }

    /// Runs (or reuses) every stage of the pipeline file `file` into `runDirectory` (default `./runs/NAME`).
    /// `status` hears one line per stage as it finishes.
    public static func run(file: URL, overrides: [String], runDirectory: URL?, interactive: Bool, stop: StopSignals?,
                           executable: URL? = nil, status: @escaping (StageStatus) -> Void) throws -> Result {
        let file = file.standardizedFileURL
        let configuration = try PipelineConfiguration.load(file: file, overrides: overrides)
        let root = (runDirectory ?? URL(fileURLWithPath: "runs").appendingPathComponent(configuration.name)).standardizedFileURL
        do { try FileManager.default.createDirectory(at: root.appendingPathComponent("configs"), withIntermediateDirectories: true) } catch {
            throw RunError.io(path: root.path, "cannot create the run folder: \(error.localizedDescription)")
        }
        let lock = try RunLock(url: root.appendingPathComponent("pipeline.lock"))
        defer { withExtendedLifetime(lock) {} }
        let logger = RunLogSink(interactive: interactive, logFile: root.appendingPathComponent("pipeline.log")).logger()
        logger.info("pipeline \(configuration.name) from \(file.path) in \(root.path): \(configuration.stages.map(\.rawValue).joined(separator: " -> "))")
        var runner = StageRunner(root: root, logger: logger, stop: stop, interactive: interactive, report: status)
        let folders = try runner.runAll(configuration, places: [file.deletingLastPathComponent()] + (executable.map { [$0.deletingLastPathComponent()] } ?? []))

        let summary = try PipelineSummary.lines(configuration, folders: folders)
        try RunFolder.writeAtomically(Data((summary.joined(separator: "\n") + "\n").utf8), to: root.appendingPathComponent("summary.txt"))
        var link: URL?
        if let report = folders.report {
            link = root.appendingPathComponent("report.html")
            try relink(link!, to: "\(report.lastPathComponent)/report.html")
        }
        try writeRecord(root: root, configuration: configuration, stages: runner.statuses, report: link)
        return Result(runDirectory: root, stages: runner.statuses, summary: summary, report: link)
    }

    /// Points the symbolic link `link` at `target` (relative), replacing it atomically.
    static func relink(_ link: URL, to target: String) throws {
        let temporary = link.deletingLastPathComponent().appendingPathComponent(".\(link.lastPathComponent).\(getpid()).link")
        unlink(temporary.path)
        guard symlink(target, temporary.path) == 0, rename(temporary.path, link.path) == 0 else {
            throw RunError.io(path: link.path, "cannot link the report (errno \(errno))")
        }
    }

    /// `pipeline.json`: the config file, each stage's folder, outcome and seconds, and the report.
    static func writeRecord(root: URL, configuration: PipelineConfiguration, stages: [StageStatus], report: URL?) throws {
        var object: [String: Any] = [
            "name": configuration.name, "config_file": configuration.file.path, "code_version": PretrainRun.codeVersion,
            "stages": stages.map { status -> [String: Any] in
                var entry: [String: Any] = ["stage": status.stage.rawValue, "outcome": status.outcome.rawValue, "folder": status.folder.path,
                                            "seconds": (status.seconds * 10).rounded() / 10]
                if let hash = status.hash { entry["hash"] = hash }
                return entry
            },
        ]
        if let report { object["report"] = report.path }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try RunFolder.writeAtomically(data + Data("\n".utf8), to: root.appendingPathComponent("pipeline.json"))
    }
}

/// The folders of a pipeline's stages (nil for a stage the pipeline does not have).
struct PipelineFolders {
    var data: URL
    var pretrain: URL
    var evaluate: URL?
    var finetune: URL?
    var distill: URL?
    var export: URL?
    var report: URL?
}
