import Foundation

/// Writes a report's HTML and Markdown. Each file is written to a temporary file in the same directory and then
/// renamed over the target, so a reader never sees a half-written report.
public enum ReportWriter {
    public static func write(_ report: Report, htmlTo htmlURL: URL, markdownTo markdownURL: URL?) throws {
        try writeAtomically(Data(HTMLRenderer.render(report).utf8), to: htmlURL)
        if let markdownURL {
            try writeAtomically(Data(MarkdownRenderer.render(report).utf8), to: markdownURL)
        }
    }

    /// Temporary file beside `url`, then rename(2), which replaces the target in one step on the same file system.
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw ReportError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportError.writeFailed(path: url.path, reason: reason)
        }
    }
}
