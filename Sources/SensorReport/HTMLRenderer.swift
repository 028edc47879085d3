import Foundation

/// Renders a `Report` as one self-contained HTML file: inline CSS and SVG, no scripts, no network. The output is
/// also well-formed XML (every element closed, only XML's own entities), and a pure function of the model, so the
/// same model always gives the same bytes.
public enum HTMLRenderer {
    public static func render(_ report: Report) -> String {
        var page = HTMLPage()
        page.open("h1")
        page.text(report.title)
        page.close("h1")
        let sections = self.sections(of: report)
        if sections.count > 1 {
            page.raw("<nav><ul>")
            for section in sections {
                page.raw("<li><a href=\"#\(section.id)\">\(HTMLText.escape(section.title))</a></li>")
            }
            page.raw("</ul></nav>")
        }
        if !report.warnings.isEmpty {
            page.raw("<div class=\"warnings\" role=\"alert\"><strong>Warnings</strong><ul>")
            for warning in report.warnings { page.raw("<li>\(HTMLText.escape(warning))</li>") }
            page.raw("</ul></div>")
        }
        for section in sections {
            page.raw("<section id=\"\(section.id)\"><h2>\(HTMLText.escape(section.title))</h2>")
            section.render(&page)
            page.raw("</section>")
        }
        return document(title: report.title, body: page.text)
    }

    private struct Section {
        var id: String
        var title: String
        var render: (inout HTMLPage) -> Void
    }

    /// Sections present in `report`, in reading order: results first, how they were made last.
    private static func sections(of report: Report) -> [Section] {
        var sections: [Section] = []
        if !report.metricTables.isEmpty {
            sections.append(Section(id: "metrics", title: "Metrics") { page in
                for table in report.metricTables { page.metricTable(table) }
            })
        }
        if !report.labelEfficiency.isEmpty {
            sections.append(Section(id: "label-efficiency", title: "Label efficiency") { page in
                for study in report.labelEfficiency { page.labelEfficiency(study) }
            })
        }
        if !report.confusionMatrices.isEmpty {
            sections.append(Section(id: "confusion", title: "Confusion matrices") { page in
                page.raw("<div class=\"figures\">")
                for matrix in report.confusionMatrices { page.confusionMatrix(matrix) }
                page.raw("</div>")
            })
        }
        if !report.blandAltman.isEmpty {
            sections.append(Section(id: "bland-altman", title: "Agreement (Bland-Altman)") { page in
                for plot in report.blandAltman { page.blandAltman(plot) }
            })
        }
        if !report.embeddingMaps.isEmpty {
            sections.append(Section(id: "embeddings", title: "Embedding maps") { page in
                for map in report.embeddingMaps { page.embeddingMap(map) }
            })
        }
        if !report.trainingCurves.isEmpty {
            sections.append(Section(id: "training", title: "Training curves") { page in
                for curves in report.trainingCurves { page.trainingCurves(curves) }
            })
        }
        if let edge = report.edge, !(edge.budgets.isEmpty && edge.comparisons.isEmpty) {
            sections.append(Section(id: "edge", title: "Student and edge budgets") { page in page.edgeSection(edge) })
        }
        if !report.runs.isEmpty {
            sections.append(Section(id: "provenance", title: "Provenance") { page in
                for run in report.runs { page.provenance(run) }
            })
        }
        return sections
    }

    private static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(HTMLText.escape(title))</title>
        <style>\(stylesheet)</style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// Kept free of "<" and "&" so the page stays well-formed XML.
    static let stylesheet = """
    body { margin: 0; background: #fafafa; color: #1a1a1a; font: 15px/1.45 Helvetica, Arial, sans-serif; }
    main { max-width: 1080px; margin: 0 auto; padding: 24px 32px 64px; background: #ffffff; }
    h1 { font-size: 26px; margin: 8px 0 12px; }
    h2 { font-size: 20px; margin: 36px 0 10px; padding-top: 8px; border-top: 2px solid #e4e4e4; }
    h3 { font-size: 16px; margin: 22px 0 8px; }
    nav ul { list-style: none; padding: 0; margin: 0 0 16px; display: flex; flex-wrap: wrap; gap: 6px 18px; }
    nav a { color: #0057a0; text-decoration: none; }
    .warnings { border-left: 5px solid #D55E00; background: #fff3ea; padding: 10px 16px; margin: 12px 0; }
    .warnings ul { margin: 6px 0 0; padding-left: 20px; }
    table { border-collapse: collapse; margin: 8px 0 6px; font-size: 14px; }
    th, td { border-bottom: 1px solid #e1e1e1; padding: 5px 12px; text-align: left; vertical-align: top; }
    th { background: #f2f4f7; font-weight: 600; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td.over { color: #a33a00; font-weight: bold; }
    .note { color: #555; font-size: 13px; margin: 2px 0 14px; }
    figure { margin: 10px 0 18px; }
    figcaption { color: #444; font-size: 13px; margin-top: 2px; max-width: 860px; }
    .figures { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; }
    svg { max-width: 100%; height: auto; display: block; }
    svg.chart { width: 860px; }
    dl { display: grid; grid-template-columns: max-content auto; gap: 3px 16px; margin: 6px 0; }
    dt { color: #555; }
    dd { margin: 0; font-family: Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
    pre { background: #f5f6f8; padding: 10px 12px; overflow-x: auto; font-size: 12px; line-height: 1.35; }
    summary { cursor: pointer; color: #0057a0; margin: 6px 0; }
    """
}

/// The growing body text of a page, with helpers that escape everything they are given.
struct HTMLPage {
    private(set) var text = ""

    mutating func raw(_ html: String) { text += html }
    mutating func text(_ content: String) { text += HTMLText.escape(content) }
    mutating func open(_ tag: String, className: String? = nil) {
        text += className.map { "<\(tag) class=\"\($0)\">" } ?? "<\(tag)>"
    }
    mutating func close(_ tag: String) { text += "</\(tag)>" }

    mutating func heading(_ content: String) { raw("<h3>\(HTMLText.escape(content))</h3>") }

    mutating func note(_ content: String) {
        guard !content.isEmpty else { return }
        raw("<p class=\"note\">\(HTMLText.escape(content))</p>")
    }

    mutating func figure(svg: String, caption: String) {
        raw("<figure>\(svg)<figcaption>\(HTMLText.escape(caption))</figcaption></figure>")
    }

    /// A table whose cells are plain text; columns listed in `numericColumns` are right-aligned, and cells in
    /// `highlighted` (row, column) are marked as over a limit.
    mutating func table(header: [String], rows: [[String]], numericColumns: Set<Int> = [], highlighted: Set<[Int]> = []) {
        raw("<table><thead><tr>")
        for name in header { raw("<th>\(HTMLText.escape(name))</th>") }
        raw("</tr></thead><tbody>")
        for (rowIndex, row) in rows.enumerated() {
            raw("<tr>")
            for (column, cell) in row.enumerated() {
                var classes: [String] = []
                if numericColumns.contains(column) { classes.append("number") }
                if highlighted.contains([rowIndex, column]) { classes.append("over") }
                let attribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                raw("<td\(attribute)>\(HTMLText.escape(cell))</td>")
            }
            raw("</tr>")
        }
        raw("</tbody></table>")
    }
}
