import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm report RUN_DIR... [--out report.html]`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render run folders as one self-contained HTML report with a Markdown summary beside it.",
        discussion: "Training curves (metrics.jsonl), label-efficiency curves with CI bands, confusion matrices, Bland-Altman plots, a PCA map of embeddings, metric tables and provenance; from a distill folder the student's budget on its device, its test metric beside the teacher's and PTQ or QAT; from an export folder (sensorfm export --out, or a sensorfm run export stage) its formats and the TFLite Micro check with the measured arena. Rendering the same folders twice gives byte-identical files. The last line printed is 'report: ABSOLUTE_PATH'."
    )

    @Argument(help: "Pretraining, fine-tuning, evaluation and distill run folders, and export folders.")
    var runDirectories: [String]

    @Option(help: "The HTML file to write (default: report.html in the first run folder); the Markdown goes beside it (.md).")
    var out: String?

    func validate() throws {
        guard !runDirectories.isEmpty else { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        let html = try runReportingRunErrors("report") {
            try ReportRun.render(folders: runDirectories.map { URL(fileURLWithPath: $0) }, out: out.map { URL(fileURLWithPath: $0) })
        }
        print("report: \(html.path)")
    }
}
