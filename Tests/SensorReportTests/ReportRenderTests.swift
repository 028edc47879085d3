import Foundation
import Testing
@testable import SensorReport
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ReportRenderTests {
    @Test func renderingTwiceIsByteIdentical() throws {
        let report = SampleReport.make()
        #expect(HTMLRenderer.render(report) == HTMLRenderer.render(report))
        #expect(MarkdownRenderer.render(report) == MarkdownRenderer.render(report))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let decoded = try JSONDecoder().decode(Report.self, from: encoder.encode(report))
        #expect(HTMLRenderer.render(decoded) == HTMLRenderer.render(report))
    }

    @Test func hostileStringsAreEscaped() {
        let html = HTMLRenderer.render(SampleReport.make())
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;"))
        #expect(html.contains("# &lt;b&gt;not bold&lt;/b&gt; &amp; more"))
        #expect(HTMLText.escape("a\u{1}b<") == "a\u{FFFD}b&lt;")
        let markdown = MarkdownRenderer.render(SampleReport.make())
        #expect(!markdown.contains("<script"))
        #expect(markdown.contains("scratch \\| baseline"))
    }

    @Test func everySectionRendersAsWellFormedMarkup() throws {
        let html = HTMLRenderer.render(SampleReport.make())
        for id in ["metrics", "label-efficiency", "confusion", "bland-altman", "embeddings", "training", "edge", "provenance"] {
            #expect(html.contains("<section id=\"\(id)\">"), "section \(id) missing")
            #expect(html.contains("<a href=\"#\(id)\">"), "contents link \(id) missing")
        }
        // label efficiency, confusion, Bland-Altman, embeddings, and three curve groups (loss, loss.masked, lr).
        #expect(html.components(separatedBy: "<svg ").count - 1 == 7)
        #expect(!html.contains("=\"nan") && !html.contains("=\"-nan"))
        #expect(html.components(separatedBy: "http").count - 1 == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        try expectWellFormed(html)
        try expectWellFormed(HTMLRenderer.render(Report(title: "empty")))
    }

    @Test func unusableDataIsStatedNotDrawn() throws {
        var report = Report(title: "bad data")
        report.confusionMatrices = [ConfusionMatrix(title: "ragged", labels: ["a", "b"], counts: [[1, 2], [3]])]
        report.trainingCurves = [TrainingCurves(runName: "diverged", series: [
            MetricSeries(key: "loss", points: [.init(step: 1, value: .nan), .init(step: 2, value: .infinity)]),
        ])]
        let html = HTMLRenderer.render(report)
        #expect(html.contains("ragged: counts are not a 2×2 matrix; not drawn."))
        #expect(html.contains("no finite data"))
        #expect(html.contains("loss — last: loss NaN at step 2") == false)
        #expect(html.contains("loss — last: loss inf at step 2"))
        try expectWellFormed(html)
    }

    @Test func markdownTablesForAKnownModel() {
        let report = Report(title: "HR | study", metricTables: [MetricTable(title: "Heart rate", note: "95 % CI", entries: [
            .init(row: "probe", metric: "MAE", estimate: Estimate(value: 4.126, lower: 3.5, upper: 4.75)),
            .init(row: "probe", metric: "r", estimate: Estimate(value: 0.9)),
            .init(row: "scratch", metric: "MAE", estimate: Estimate(value: 6)),
        ])])
        let expected = """
        # HR | study

        ## Heart rate

        |  | MAE | r |
        | --- | ---: | ---: |
        | probe | 4.13 [3.50, 4.75] | 0.900 |
        | scratch | 6.00 | — |

        _95 % CI_

        """
        #expect(MarkdownRenderer.render(report) == expected)
    }

    /// With SENSORFM_REPORT_SAMPLE_DIR set, the sample report is written there and kept (for
    /// Scripts/check_report.sh and screenshots); otherwise into a temporary folder that is removed.
    @Test func writerReplacesFilesAtomically() throws {
        let sampleDirectory = ProcessInfo.processInfo.environment["SENSORFM_REPORT_SAMPLE_DIR"]
        let directory = sampleDirectory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("report-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if sampleDirectory == nil { try? FileManager.default.removeItem(at: directory) } }
        let html = directory.appendingPathComponent("report.html"), markdown = directory.appendingPathComponent("report.md")
        try Data("old".utf8).write(to: html)
        try? FileManager.default.removeItem(at: markdown)
        let report = SampleReport.make()
        try ReportWriter.write(report, htmlTo: html, markdownTo: markdown)
        #expect(try String(contentsOf: html, encoding: .utf8) == HTMLRenderer.render(report))
        #expect(try String(contentsOf: markdown, encoding: .utf8) == MarkdownRenderer.render(report))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
        let missing = directory.appendingPathComponent("no-such-folder/report.html")
        #expect(throws: ReportError.self) { try ReportWriter.write(report, htmlTo: missing, markdownTo: nil) }
    }

    /// Parses with FoundationXML where present; otherwise checks that open and close tags balance.
    private func expectWellFormed(_ html: String) throws {
        #if canImport(FoundationXML) || os(macOS)
        let document = try XMLDocument(xmlString: html, options: [])
        #expect(document.rootElement()?.name == "html")
        #else
        var stack: [String] = []
        let scanner = html.split(separator: "<", omittingEmptySubsequences: true).dropFirst()
        for piece in scanner {
            guard let end = piece.firstIndex(of: ">") else { continue }
            let tag = piece[..<end]
            if tag.hasPrefix("!") || tag.hasSuffix("/") { continue }
            let name = String(tag.split(separator: " ").first ?? "")
            if name.hasPrefix("/") {
                #expect(stack.popLast() == String(name.dropFirst()), "unbalanced \(name)")
            } else {
                stack.append(name)
            }
        }
        #expect(stack.isEmpty)
        #endif
    }
}
