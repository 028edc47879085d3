import Foundation
import SensorReport

/// `sensorfm report RUN_DIR...`: renders the folders' report as HTML with a Markdown summary beside it.
public enum ReportRun {
    /// Writes `out` (default `report.html` in the first folder) and `out` with extension `.md`;
    /// returns the HTML file's absolute URL. An existing file is replaced only when it is a report
    /// this command wrote (its first bytes are the renderer's), so nothing else the user had is overwritten.
    public static func render(folders: [URL], out: URL?) throws -> URL {
        let report = try ReportBuilder.build(folders: folders)
        let html = (out ?? folders[0].appendingPathComponent("report.html")).standardizedFileURL
        let markdown = html.deletingPathExtension().appendingPathExtension("md")
        let htmlText = HTMLRenderer.render(report), markdownText = MarkdownRenderer.render(report)
        for (url, text) in [(html, htmlText), (markdown, markdownText)] {
            if let existing = FileManager.default.contents(atPath: url.path),
               !existing.starts(with: Data(text.prefix(15).utf8)) {
                throw RunError.io(path: url.path, "already exists and is not a SensorFM report; choose another --out (nothing is overwritten)")
            }
        }
        do { try FileManager.default.createDirectory(at: html.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw RunError.io(path: html.deletingLastPathComponent().path, "cannot create the report's folder: \(error.localizedDescription)")
        }
        try ReportWriter.writeAtomically(Data(htmlText.utf8), to: html)
        try ReportWriter.writeAtomically(Data(markdownText.utf8), to: markdown)
        return html
    }
}
