import Foundation
import Logging

/// Where a run's log lines go: standard error (a live, rewritten progress line on a terminal; plain
/// timestamped lines otherwise, for cron and Slurm) and, always plain, `train.log`.
public final class RunLogSink: @unchecked Sendable {
    /// Metadata key marking a progress message (rewritten in place on a terminal).
    public static let progressKey = "progress"
    private let lock = NSLock()
    private let interactive: Bool
    private let file: FileHandle?
    private var statusShown = false
    private let formatter: ISO8601DateFormatter

    /// - Parameters:
    ///   - interactive: whether standard error is a terminal (`isatty(2)`) — progress is then one live line.
    ///   - logFile: `train.log`, appended to; nil logs to standard error only.
    public init(interactive: Bool = isatty(STDERR_FILENO) == 1, logFile: URL?) {
        self.interactive = interactive
        if let logFile {
            if !FileManager.default.fileExists(atPath: logFile.path) { _ = FileManager.default.createFile(atPath: logFile.path, contents: nil) }
            file = FileHandle(forWritingAtPath: logFile.path)
            file?.seekToEndOfFile()
        } else {
            file = nil
        }
        formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    deinit {
        if statusShown { FileHandle.standardError.write(Data("\n".utf8)) }
        try? file?.close()
    }

    func emit(level: Logger.Level, message: String, progress: Bool) {
        lock.lock(); defer { lock.unlock() }
        let stamp = formatter.string(from: Date())
        let plain = "\(stamp) \(level.rawValue.uppercased()) \(message)\n"
        file?.write(Data(plain.utf8))
        if interactive {
            if progress {
                FileHandle.standardError.write(Data("\r\u{1B}[2K\(message)".utf8))
                statusShown = true
            } else {
                let clear = statusShown ? "\r\u{1B}[2K" : ""
                statusShown = false
                FileHandle.standardError.write(Data("\(clear)\(level == .info ? "" : "\(level.rawValue): ")\(message)\n".utf8))
            }
        } else {
            FileHandle.standardError.write(Data(plain.utf8))
        }
    }

    /// A logger writing here.
    public func logger(label: String = "sensorfm.run") -> Logger {
        Logger(label: label) { _ in RunLogHandler(sink: self) }
    }
}

/// The swift-log handler forwarding to a `RunLogSink`.
public struct RunLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let sink: RunLogSink

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        sink.emit(level: event.level, message: event.message.description,
                  progress: event.metadata?[RunLogSink.progressKey] != nil)
    }
}
