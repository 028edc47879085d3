import Foundation
import Logging
import SafeTensors
import SensorData
import SensorNN

/// `sensorfm pretrain`: start a run from a config, or resume one from its folder.
public enum PretrainRun {
    /// The code version recorded in `meta.json` (the package has no build-time `git describe`).
    public static let codeVersion = "sensorfm 0.1.0"

    /// Process exit codes beyond 0 (done) and 1 (other errors).
    public enum ExitCode {
        /// Stopped by SIGTERM/SIGINT after writing a checkpoint; `--resume` continues.
        public static let interrupted: Int32 = 75
        /// The configuration or its data is unusable (nothing was trained).
        public static let badConfiguration: Int32 = 65
        /// A NaN or Inf loss stopped training.
        public static let nonFinite: Int32 = 70
        /// The run folder is locked by another process.
        public static let locked: Int32 = 73
    }

    /// The default run folder: `./runs/NAME-YYYYMMDD-HHMMSS`.
    public static func defaultRunDirectory(name: String, date: Date = Date()) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return URL(fileURLWithPath: "runs").appendingPathComponent("\(name)-\(formatter.string(from: date))").standardizedFileURL
    }

    /// Reads the config (with overrides; `--seed` and `--threads` become `seed=` and `threads=`), checks
    /// it and its data, creates the run folder and trains. Under MPI only rank 0 writes (see `PretrainRun+Ranks.swift`).
    public static func start(configFile: URL, overrides: [String], runDirectory: URL?, interactive: Bool,
                             stop: StopSignals?, communicator: any Communicator = SingleProcessCommunicator()) throws -> TrainingOutcome {
        let configuration = try RunConfiguration.load(file: configFile, overrides: overrides)
        _ = try Trainer.shard(configuration, communicator: communicator)
        guard communicator.isRoot else { return try trainAsFollower(configuration, stop: stop, communicator: communicator) }
        let console = RunLogSink(interactive: interactive, logFile: nil).logger()
        let data = try RunData.prepare(configuration) { console.info("\($0)") }
        let directory = runDirectory?.standardizedFileURL ?? defaultRunDirectory(name: configuration.name)
        let folder = try RunFolder.create(at: directory, resolvedConfig: try configuration.resolvedYAML())
        try folder.writeMeta(meta(configuration, data: data).merging(rankMeta(communicator)) { $1 })
        let logger = RunLogSink(interactive: interactive, logFile: folder.logURL).logger()
        logger.info("run \(configuration.name) in \(folder.url.path): \(data.train.windowCount) training windows (\(data.split.train.count) subjects), \(data.validation.windowCount) validation windows")
        let metrics = try MetricsLog(url: folder.metricsURL)
        try communicator.barrier()
        let trainer = try Trainer(configuration: configuration, data: data, folder: folder, metrics: metrics, logger: logger, stop: stop,
                                  communicator: communicator)
        logger.info("model: \(trainer.model.parameterCount) parameters (encoder \(trainer.model.encoder.parameterCount))")
        return try trainer.train()
    }

    /// Continues the run in `runDirectory` from its newest readable checkpoint (from step 0 when none).
    /// Under MPI rank 0 reads the checkpoint and broadcasts it; the others read only `config.yaml`.
    public static func resume(runDirectory: URL, interactive: Bool, stop: StopSignals?,
                              communicator: any Communicator = SingleProcessCommunicator()) throws -> TrainingOutcome {
        guard communicator.isRoot else {
            let configuration = try RunConfiguration.load(file: runDirectory.appendingPathComponent("config.yaml"), environment: [:])
            return try trainAsFollower(configuration, stop: stop, communicator: communicator)
        }
        let folder = try RunFolder.openForResume(at: runDirectory)
        let configuration = try RunConfiguration.load(file: folder.configURL, environment: [:])
        let logger = RunLogSink(interactive: interactive, logFile: folder.logURL).logger()
        let data = try RunData.prepare(configuration) { logger.info("\($0)") }
        var meta = folder.readMeta()
        if let recorded = meta["data_manifest_sha256"] as? String, recorded != data.manifestHash {
            throw RunError.notARun(path: folder.url.path, "its data changed: manifest SHA-256 \(data.manifestHash), the run recorded \(recorded)")
        }
        let checkpoint = folder.latestCheckpoint { logger.warning("\($0)") }
        let trainer = try Trainer(configuration: configuration, data: data, folder: folder,
                              metrics: try MetricsLog(url: folder.metricsURL, keepThroughStep: checkpoint?.step ?? 0),
                              logger: logger, stop: stop, communicator: communicator)
        if let checkpoint { try trainer.restore(checkpoint) }
        logger.info("resuming \(configuration.name) at step \(trainer.step) of \(configuration.training.steps)")
        if meta["data_manifest_sha256"] == nil { meta.merge(Self.meta(configuration, data: data)) { old, _ in old } }
        var resumes = meta["resumes"] as? [[String: Any]] ?? []
        resumes.append(["from_step": trainer.step, "at": ISO8601DateFormatter().string(from: Date()), "pid": Int(getpid())])
        meta["resumes"] = resumes
        try folder.writeMeta(meta)
        try communicator.barrier()
        return try trainer.train()
    }

    /// `meta.json`'s content at creation.
    static func meta(_ configuration: RunConfiguration, data: RunData) -> [String: Any] {
        machineMeta(seed: configuration.seed, threads: configuration.threads).merging([
            "data_directory": data.directory.path,
            "data_manifest_sha256": data.manifestHash,
            "split": ["train": data.split.train, "validation": data.split.validation, "test": data.split.test],
            "windows": ["train": data.train.windowCount, "validation": data.validation.windowCount],
        ] as [String: Any]) { _, new in new }
    }

    /// The `meta.json` fields every run folder has: code version, creation time, seed, threads, machine.
    static func machineMeta(seed: UInt64, threads: Int) -> [String: Any] {
        var system = utsname()
        uname(&system)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        var meta: [String: Any] = [
            "code_version": codeVersion,
            "created": ISO8601DateFormatter().string(from: Date()),
            "seed": NSNumber(value: seed),
            "threads": threads,
            "machine": [
                "uname": "\(text(system.sysname)) \(text(system.release)) \(text(system.machine))",
                "hostname": text(system.nodename),
                "cores": ProcessInfo.processInfo.activeProcessorCount,
            ] as [String: Any],
        ]
        if let describe = sourceGitDescribe() { meta["source_git_describe"] = describe }
        return meta
    }

    /// `git describe --always --dirty` of the source tree this binary was built from, when it is still
    /// there and git is installed (a run-time stand-in for a build-time version stamp).
    static func sourceGitDescribe() -> String? {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: sources.path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", sources.path, "describe", "--always", "--dirty"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !output.isEmpty ? output : nil
    }

    /// SHA-256 over a checkpoint's tensors (names, dtypes, shapes, bytes; sorted by name), ignoring
    /// metadata, so two checkpoints compare equal exactly when their weights and states do.
    public static func tensorDigest(checkpoint url: URL) throws -> String {
        let file = try SafeTensorsFile(contentsOf: url)
        var bytes: [UInt8] = []
        for name in file.names.sorted() {
            let entry = file[name]!
            bytes += Array("\(name) \(entry.dtype.rawValue) \(entry.shape)\n".utf8)
            bytes += entry.bytes
        }
        return SHA256.hexDigest(bytes)
    }
}
