import Foundation

/// `metrics.jsonl`: one JSON object per line, appended as training goes. On resume, lines after the
/// checkpoint's step (and a half-written last line from a kill) are dropped first, so the file reads
/// as one uninterrupted run.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    /// Opens for appending; with `keepThroughStep`, first rewrites the file keeping only complete lines
    /// whose `step` is at most that.
    public init(url: URL, keepThroughStep: Int? = nil) throws {
        self.url = url
        if let limit = keepThroughStep {
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let kept = text.split(separator: "\n").filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = object["step"] as? Int else { return false }
                return step <= limit
            }
            try RunFolder.writeAtomically(Data(kept.map { $0 + "\n" }.joined().utf8), to: url)
        } else if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw RunError.io(path: url.path, "cannot open for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one object (keys sorted) as a line.
    public func append(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        handle.write(data + Data("\n".utf8))
    }

    /// Rounds for logging (six significant digits are plenty for losses and rates).
    static func rounded(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return value }
        let scale = pow(10, 5 - floor(log10(abs(value))))
        return (value * scale).rounded() / scale
    }
}
