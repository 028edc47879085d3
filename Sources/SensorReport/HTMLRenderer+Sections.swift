import Foundation

/// One method per report section; each writes its heading, figure and table into the page.
extension HTMLPage {
    mutating func table(_ table: TextTable) {
        self.table(header: table.header, rows: table.rows, numericColumns: table.numericColumns, highlighted: table.highlighted)
    }

    mutating func metricTable(_ table: MetricTable) {
        heading(table.title)
        self.table(ReportTables.metrics(table))
        note(table.note)
    }

    mutating func labelEfficiency(_ study: LabelEfficiencyStudy) {
        heading("\(study.task): \(study.metric)")
        // Methods sit slightly apart along the (logarithmic) x axis, 0.015 decades each, so markers and
        // interval bands at the same fraction do not hide each other; the table gives the exact fractions.
        let count = Double(study.series.count)
        let lines = study.series.enumerated().map { index, series in
            let dodge = pow(10, 0.015 * (Double(index) - (count - 1) / 2))
            return ChartLine(name: series.method,
                             points: series.points.map { (x: $0.fraction * dodge, y: $0.estimate.value) },
                             band: series.points.compactMap { point in
                                 guard let lower = point.estimate.lower, let upper = point.estimate.upper else { return nil }
                                 return (x: point.fraction * dodge, lower: lower, upper: upper)
                             },
                             showsMarkers: true)
        }
        let chart = XYChart(title: "\(study.task): \(study.metric) against labelled fraction",
                            xAxis: ChartAxis(title: "labelled training windows", logarithmic: true, percent: true),
                            yAxis: ChartAxis(title: study.metric), lines: lines)
        let direction = study.higherIsBetter ? "higher is better" : "lower is better"
        figure(svg: chart.svg(), caption: "\(study.metric) (\(direction)) against the share of labelled training windows (methods set slightly apart along x); shaded bands: \(study.intervalNote).")
        table(ReportTables.labelEfficiency(study))
    }

    mutating func confusionMatrix(_ matrix: ConfusionMatrix) {
        guard matrix.isWellShaped else {
            raw("<div class=\"warnings\">\(HTMLText.escape("\(matrix.title): counts are not a \(matrix.labels.count)×\(matrix.labels.count) matrix; not drawn."))</div>")
            return
        }
        let total = matrix.counts.joined().reduce(0, +)
        let correct = matrix.labels.indices.reduce(0) { $0 + matrix.counts[$1][$1] }
        let accuracy = total > 0 ? "; accuracy " + NumberText.percent(Double(correct) / Double(total)) : ""
        raw("<figure><h3>\(HTMLText.escape(matrix.title))</h3>\(ConfusionHeatmap(matrix: matrix).svg())")
        raw("<figcaption>\(HTMLText.escape("\(NumberText.grouped(total)) windows\(accuracy). Colour: share of the true class; numbers: counts."))</figcaption></figure>")
    }

    mutating func blandAltman(_ plot: BlandAltmanPlot) {
        heading(plot.title)
        let unit = plot.unit.isEmpty ? "" : " (\(plot.unit))"
        let digits = 3
        let chart = XYChart(
            title: plot.title,
            xAxis: ChartAxis(title: "mean of estimate and reference\(unit)"),
            yAxis: ChartAxis(title: "estimate − reference\(unit)"),
            groups: [ChartPointGroup(name: "windows", points: plot.points.map { (x: $0.mean, y: $0.difference) })],
            referenceLines: [
                ChartReferenceLine(y: plot.upperLimit, label: "upper limit " + NumberText.significant(plot.upperLimit, digits: digits), dashed: true),
                ChartReferenceLine(y: plot.bias, label: "bias " + NumberText.significant(plot.bias, digits: digits), dashed: false),
                ChartReferenceLine(y: plot.lowerLimit, label: "lower limit " + NumberText.significant(plot.lowerLimit, digits: digits), dashed: true),
            ])
        let caption = "\(NumberText.grouped(plot.points.count)) windows. Bias \(NumberText.significant(plot.bias, digits: digits))\(plot.unit.isEmpty ? "" : " " + plot.unit); 95 % limits of agreement \(NumberText.significant(plot.lowerLimit, digits: digits)) to \(NumberText.significant(plot.upperLimit, digits: digits))."
        figure(svg: chart.svg(), caption: caption)
    }

    mutating func embeddingMap(_ map: EmbeddingMap) {
        heading(map.title)
        let labels = map.labels
        let groups = labels.map { label in
            ChartPointGroup(name: label, points: map.points.filter { $0.label == label }.map { (x: $0.x, y: $0.y) })
        }
        let chart = XYChart(title: map.title, xAxis: ChartAxis(title: map.xAxisTitle), yAxis: ChartAxis(title: map.yAxisTitle), groups: groups)
        figure(svg: chart.svg(), caption: "\(NumberText.grouped(map.points.count)) windows in \(labels.count) classes, projected on two principal components.")
    }

    mutating func trainingCurves(_ curves: TrainingCurves) {
        heading(curves.runName)
        raw("<div class=\"figures\">")
        for group in curves.chartGroups {
            let lines = group.members.map { member in
                ChartLine(name: member.legend, points: member.series.points.map { (x: Double($0.step), y: $0.value) })
            }
            let chart = XYChart(title: "\(curves.runName): \(group.name)", xAxis: ChartAxis(title: "step"),
                                yAxis: ChartAxis(title: group.name), lines: lines)
            let lastValues = group.members.compactMap { member in
                member.series.points.last.map { "\(member.legend) \(NumberText.significant($0.value, digits: 4)) at step \($0.step)" }
            }
            figure(svg: chart.svg(), caption: "\(group.name) — last: " + lastValues.joined(separator: "; "))
        }
        raw("</div>")
    }

    mutating func edgeSection(_ edge: EdgeSection) {
        if !edge.budgets.isEmpty {
            heading("Budgets")
            table(ReportTables.edgeBudgets(edge))
            if !edge.limits.isEmpty {
                table(ReportTables.edgeLimits(edge))
                note("Cells marked (over) exceed the device's limit.")
            }
        }
        if !edge.comparisons.isEmpty {
            heading("Accuracy against the teacher")
            table(ReportTables.edgeComparisons(edge))
        }
        for line in edge.notes { note(line) }
    }

    mutating func provenance(_ run: RunProvenance) {
        heading(run.name)
        let facts = ReportTables.provenanceFacts(run)
        if !facts.isEmpty {
            raw("<dl>")
            for (name, value) in facts { raw("<dt>\(HTMLText.escape(name))</dt><dd>\(HTMLText.escape(value))</dd>") }
            raw("</dl>")
        }
        if !run.configText.isEmpty {
            raw("<details><summary>resolved configuration</summary><pre>\(HTMLText.escape(run.configText))</pre></details>")
        }
    }
}
