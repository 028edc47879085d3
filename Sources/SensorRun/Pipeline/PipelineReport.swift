import Foundation
import SensorReport

/// The report stage: `sensorfm report`'s report of the pretraining, evaluation, fine-tuning, distill and export
/// folders (the student's section is `StudentSection`'s).
///
/// Like `sensorfm report`'s, the report is a function of the config, the seed and the code alone (no clock, no
/// absolute paths): an interrupted and resumed run renders the same bytes as an uninterrupted one.
enum PipelineReport {
    struct Folders {
        var pretrain: URL
        var evaluate: URL?
        var finetune: URL?
        var distill: URL?
        var export: URL?
    }

    static func build(_ folders: Folders, title: String) throws -> Report {
        var report = try ReportBuilder.build(folders: [folders.pretrain, folders.evaluate, folders.finetune, folders.distill, folders.export]
            .compactMap { $0 })
        report.title = title
        return report
    }

    /// Writes `report.html` and `report.md` into `folder` (atomically); returns the HTML file.
    static func write(_ report: Report, to folder: URL) throws -> URL {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw RunError.io(path: folder.path, "cannot create: \(error.localizedDescription)")
        }
        let html = folder.appendingPathComponent("report.html")
        try ReportWriter.writeAtomically(Data(HTMLRenderer.render(report).utf8), to: html)
        try ReportWriter.writeAtomically(Data(MarkdownRenderer.render(report).utf8), to: folder.appendingPathComponent("report.md"))
        return html
    }
}
