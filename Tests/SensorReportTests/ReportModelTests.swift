import Foundation
import Testing
@testable import SensorReport

@Suite struct ReportModelTests {
    @Test func parsesFlatMetricsLinesIntoSortedSeries() throws {
        let text = """
        {"step": 10, "loss": 1.5, "loss.masked.ppg": 0.75, "note": "warmup", "finished": false}

        {"step": 20, "loss": 1, "lr": 0.001, "grad_norm": 0}
        """
        let series = try MetricsLogParser.parse(text)
        #expect(series.map(\.key) == ["grad_norm", "loss", "loss.masked.ppg", "lr"])
        #expect(series[1].points == [.init(step: 10, value: 1.5), .init(step: 20, value: 1)])
        #expect(series[0].points == [.init(step: 20, value: 0)])
        #expect(series[3].points == [.init(step: 20, value: 0.001)])
    }

    @Test func malformedLineThrowsNamingTheLine() {
        let text = "{\"step\": 1, \"loss\": 2}\n{\"step\": 2, \"loss\": 1.9}\n{\"step\": 3, \"loss\": \n"
        #expect(throws: ReportError.malformedMetricsLine(source: "run/metrics.jsonl", line: 3, reason: "not valid JSON: {\"step\": 3, \"loss\":")) {
            _ = try MetricsLogParser.parse(text, source: "run/metrics.jsonl")
        }
        do {
            _ = try MetricsLogParser.parse("{\"loss\": 1}", source: "metrics.jsonl")
            Issue.record("a line without step must throw")
        } catch {
            #expect("\(error)" == "metrics.jsonl:1: no \"step\" key")
        }
        #expect(throws: ReportError.malformedMetricsLine(source: "metrics.jsonl", line: 2, reason: "not a JSON object")) {
            _ = try MetricsLogParser.parse("{\"step\": 0}\n[1, 2]")
        }
        #expect(throws: ReportError.malformedMetricsLine(source: "metrics.jsonl", line: 1, reason: "\"step\" is not an integer")) {
            _ = try MetricsLogParser.parse("{\"step\": 1.5, \"loss\": 1}")
        }
    }

    @Test func niceNumbers() {
        #expect(AxisTicks.niceNumber(0.74, round: false) == 1)
        #expect(AxisTicks.niceNumber(0.25, round: true) == 0.2)
        #expect(AxisTicks.niceNumber(12.5, round: true) == 10)
        #expect(AxisTicks.niceNumber(3.2, round: false) == 5)
        #expect(AxisTicks.niceNumber(700, round: true) == 1000)
    }

    @Test func linearTicksForKnownRanges() {
        let unit = AxisTicks.linear(lower: 0.13, upper: 0.87, targetCount: 5)
        #expect(unit.values == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(unit.values.map { unit.label($0) } == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(AxisTicks.linear(lower: -3, upper: 47, targetCount: 5).values == [-10, 0, 10, 20, 30, 40, 50])
        let narrow = AxisTicks.linear(lower: 95, upper: 105, targetCount: 5)
        #expect(narrow.values == [94, 96, 98, 100, 102, 104, 106])
        #expect(narrow.label(100) == "100")
        let flat = AxisTicks.linear(lower: 5, upper: 5, targetCount: 5)
        #expect(flat.values == [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6])
        let tenths = AxisTicks.linear(lower: 0, upper: 0.7, targetCount: 8)
        #expect(tenths.values.map { tenths.label($0) } == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"])
    }

    @Test func logarithmicTicksForLabelFractions() {
        let fractions = AxisTicks.logarithmic(lower: 0.01, upper: 1)
        #expect(fractions.values == [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1])
        #expect(fractions.values.map { fractions.label($0, percent: true) } == ["1%", "2%", "5%", "10%", "20%", "50%", "100%"])
        #expect(AxisTicks.logarithmic(lower: 1, upper: 1e6).values == [1, 10, 100, 1000, 10_000, 100_000, 1_000_000])
    }

    @Test func numberTextIsStableAndExplicit() {
        #expect(NumberText.significant(0.85123, digits: 3) == "0.851")
        #expect(NumberText.significant(0.99996, digits: 4) == "1.000")
        #expect(NumberText.significant(1234.56, digits: 3) == "1235")
        #expect(NumberText.significant(-0.0, digits: 3) == "0")
        #expect(NumberText.significant(-0.00001, digits: 2) == "-1.0e-05")
        #expect(NumberText.significant(.nan) == "NaN")
        #expect(NumberText.significant(-.infinity) == "-inf")
        #expect(NumberText.fixed(-0.001, decimals: 2) == "0.00")
        #expect(NumberText.percent(0.05) == "5%")
        #expect(NumberText.percent(0.125) == "12.5%")
        #expect(NumberText.bytes(1536) == "1.50 KiB")
        #expect(NumberText.bytes(900) == "900 B")
        #expect(NumberText.grouped(1_234_567) == "1\u{202F}234\u{202F}567")
        #expect(NumberText.estimate(Estimate(value: 0.8512, lower: 0.8123, upper: 0.8889)) == "0.851 [0.812, 0.889]")
    }

    @Test func curvesGroupByObjectiveAndModality() {
        let point = [MetricSeries.Point(step: 1, value: 1)]
        let curves = TrainingCurves(runName: "run", series: ["loss.masked.ppg", "lr", "loss", "loss.masked", "loss/contrastive"]
            .map { MetricSeries(key: $0, points: point) })
        let groups = curves.chartGroups
        #expect(groups.map(\.name) == ["loss", "loss.masked", "lr"])
        #expect(groups[0].members.map(\.legend) == ["total", "contrastive", "masked"])
        #expect(groups[1].members.map(\.legend) == ["ppg"])
        #expect(groups[2].members.map(\.legend) == ["lr"])
    }

    @Test func sparseJSONDecodesWithEmptySections() throws {
        let report = try JSONDecoder().decode(Report.self, from: Data(#"{"title": "only a title", "warnings": ["w"]}"#.utf8))
        #expect(report == Report(title: "only a title", warnings: ["w"]))
        let sample = SampleReport.make()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try JSONDecoder().decode(Report.self, from: encoder.encode(sample)) == sample)
    }

    @Test func edgeLimitsAreCheckedPerDevice() {
        let edge = SampleReport.make().edge!
        #expect(edge.exceededLimits(of: edge.budgets[0]) == ["weights", "arena", "latency"])
        #expect(edge.exceededLimits(of: edge.budgets[1]).isEmpty)
        var other = edge.budgets[0]
        other.device = "phone"
        #expect(edge.exceededLimits(of: other).isEmpty)
    }
}
