import Foundation
import SensorNN

/// A run folder's files and the rules for writing them:
///
///     config.yaml       resolved configuration, created once (O_EXCL), never overwritten
///     meta.json         code version, seed, threads, machine, data manifest hash, split subjects
///     metrics.jsonl     one JSON object per logged step or validation
///     train.log         timestamped log lines
///     run.lock          held while a process writes here
///     checkpoints/step-00000010.safetensors   the last `keepLast` checkpoints
///     checkpoints/best.safetensors            the best by validation loss
///
/// Every write is atomic (temporary file + rename) except appends to the two logs.
public final class RunFolder {
    public let url: URL
    public let lock: RunLock

    public var configURL: URL { url.appendingPathComponent("config.yaml") }
    public var metaURL: URL { url.appendingPathComponent("meta.json") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var logURL: URL { url.appendingPathComponent("train.log") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints") }
    public var bestCheckpointURL: URL { checkpointsURL.appendingPathComponent("best.safetensors") }

    private init(url: URL) throws {
        self.url = url
        lock = try RunLock(url: url.appendingPathComponent("run.lock"))
    }

    /// Creates (or takes an empty) folder, locks it and writes the resolved config.
    /// - Throws: `RunError.alreadyExists` when the folder already has a config.
    public static func create(at url: URL, resolvedConfig: String) throws -> RunFolder {
        let url = url.standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: url.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        } catch {
            throw RunError.io(path: url.path, "cannot create the run folder: \(error.localizedDescription)")
        }
        let folder = try RunFolder(url: url)
        let descriptor = open(folder.configURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw RunError.alreadyExists(path: url.path) }
            throw RunError.io(path: folder.configURL.path, "cannot create (errno \(errno))")
        }
        let bytes = Array(resolvedConfig.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == bytes.count else { throw RunError.io(path: folder.configURL.path, "short write") }
        return folder
    }

    /// Opens an existing run folder for resuming (locks it).
    public static func openForResume(at url: URL) throws -> RunFolder {
        let url = url.standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.yaml").path) else {
            throw RunError.notARun(path: url.path, "it has no config.yaml")
        }
        return try RunFolder(url: url)
    }

    /// Writes `data` to `target` atomically.
    public static func writeAtomically(_ data: Data, to target: URL) throws {
        do { try data.write(to: target, options: .atomic) } catch {
            throw RunError.io(path: target.path, "cannot write: \(error.localizedDescription)")
        }
    }

    public func writeMeta(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try RunFolder.writeAtomically(data + Data("\n".utf8), to: metaURL)
    }

    public func readMeta() -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: metaURL.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    // MARK: Checkpoints

    func checkpointURL(step: Int) -> URL {
        checkpointsURL.appendingPathComponent(String(format: "step-%08d.safetensors", step))
    }

    /// Step checkpoints present, oldest first.
    public func checkpoints() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsURL.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
                  let step = Int(name.dropFirst(5).dropLast(12)) else { return nil }
            return (step, checkpointsURL.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }.map { (step: $0.0, url: $0.1) }
    }

    /// Writes a step checkpoint atomically, then deletes all but the newest `keepLast`.
    @discardableResult
    public func save(_ checkpoint: Checkpoint, step: Int, keepLast: Int) throws -> URL {
        let target = checkpointURL(step: step)
        do { try checkpoint.write(to: target) } catch {
            throw RunError.io(path: target.path, "cannot write the checkpoint: \(error)")
        }
        for old in checkpoints().dropLast(keepLast) { try? FileManager.default.removeItem(at: old.url) }
        return target
    }

    /// The newest readable checkpoint (a damaged newest one is skipped with `warn`).
    public func latestCheckpoint(warn: (String) -> Void = { _ in }) -> Checkpoint? {
        for entry in checkpoints().reversed() {
            do { return try Checkpoint(contentsOf: entry.url) } catch { warn("skipping unreadable checkpoint \(entry.url.path): \(error)") }
        }
        return nil
    }
}
