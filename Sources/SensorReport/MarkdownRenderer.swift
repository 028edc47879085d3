import Foundation

/// Renders the numbers of a `Report` as GitHub-flavoured Markdown for a pull request: metric tables,
/// label-efficiency tables, confusion-matrix accuracies, agreement figures, edge budgets and provenance.
/// Charts stay in the HTML file. Deterministic like the HTML renderer.
public enum MarkdownRenderer {
    public static func render(_ report: Report) -> String {
        var lines: [String] = ["# " + inline(report.title), ""]
        if !report.warnings.isEmpty {
            lines.append("**Warnings**")
            lines.append("")
            lines += report.warnings.map { "- " + inline($0) }
            lines.append("")
        }
        for table in report.metricTables {
            lines += ["## " + inline(table.title), ""] + self.table(ReportTables.metrics(table))
            if !table.note.isEmpty { lines += ["", "_" + inline(table.note) + "_"] }
            lines.append("")
        }
        for study in report.labelEfficiency {
            let direction = study.higherIsBetter ? "higher is better" : "lower is better"
            lines += ["## Label efficiency — " + inline("\(study.task): \(study.metric)") + " (\(direction))", ""]
            lines += self.table(ReportTables.labelEfficiency(study)) + ["", "_Intervals: " + inline(study.intervalNote) + "._", ""]
        }
        if report.confusionMatrices.contains(where: \.isWellShaped) { lines += ["## Confusion matrices", ""] }
        for matrix in report.confusionMatrices where matrix.isWellShaped {
            let total = matrix.counts.joined().reduce(0, +)
            let correct = matrix.labels.indices.reduce(0) { $0 + matrix.counts[$1][$1] }
            let accuracy = total > 0 ? NumberText.percent(Double(correct) / Double(total)) : "n/a"
            lines += ["- " + inline(matrix.title) + ": accuracy \(accuracy) over \(total) windows"]
        }
        if report.confusionMatrices.contains(where: \.isWellShaped) { lines.append("") }
        if !report.blandAltman.isEmpty { lines += ["## Agreement (Bland-Altman)", ""] }
        for plot in report.blandAltman {
            let unit = plot.unit.isEmpty ? "" : " " + inline(plot.unit)
            lines.append("- " + inline(plot.title) + ": bias \(NumberText.significant(plot.bias, digits: 3))\(unit), "
                + "limits of agreement \(NumberText.significant(plot.lowerLimit, digits: 3)) to "
                + "\(NumberText.significant(plot.upperLimit, digits: 3))\(unit) (\(plot.points.count) windows)")
        }
        if !report.blandAltman.isEmpty { lines.append("") }
        if let edge = report.edge {
            if !edge.budgets.isEmpty { lines += ["## Edge budgets", ""] + table(ReportTables.edgeBudgets(edge)) + [""] }
            if !edge.comparisons.isEmpty { lines += ["## Student against teacher", ""] + table(ReportTables.edgeComparisons(edge)) + [""] }
            if !edge.notes.isEmpty { lines += edge.notes.map { "- " + inline($0) } + [""] }
        }
        if !report.runs.isEmpty {
            lines += ["## Provenance", ""]
            for run in report.runs {
                let facts = ReportTables.provenanceFacts(run).map { "\(inline($0.0)) `\(code($0.1))`" }
                lines.append("- **" + inline(run.name) + "**" + (facts.isEmpty ? "" : ": " + facts.joined(separator: "; ")))
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// A pipe table with right-aligned numeric columns.
    static func table(_ table: TextTable) -> [String] {
        let header = "| " + table.header.map(cell).joined(separator: " | ") + " |"
        let rule = "|" + table.header.indices.map { table.numericColumns.contains($0) ? " ---: " : " --- " }.joined(separator: "|") + "|"
        // Numeric columns hold only text this module formats ("0.85 [0.81, 0.89]"), so brackets stay unescaped.
        let rows = table.rows.map { row in
            "| " + row.enumerated().map { column, text in
                table.numericColumns.contains(column) ? text.replacingOccurrences(of: "|", with: "\\|") : cell(text)
            }.joined(separator: " | ") + " |"
        }
        return [header, rule] + rows
    }

    /// Text safe inside a table cell: pipes escaped, line breaks flattened, Markdown and HTML specials neutralised.
    static func cell(_ text: String) -> String {
        inline(text).replacingOccurrences(of: "|", with: "\\|")
    }

    /// Text safe in running Markdown: no line breaks, no raw HTML, no emphasis or link syntax from user strings.
    static func inline(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\n", "\r", "\t": result += " "
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "#": result += "\\" + String(character)
            default: result.append(character)
            }
        }
        return result
    }

    /// Text for a code span: backticks cannot be escaped inside one, so they become quotes.
    static func code(_ text: String) -> String {
        text.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " ")
    }
}
