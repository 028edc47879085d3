import Foundation

/// A table as plain text cells, shared by the HTML and Markdown renderers so both show the same numbers.
struct TextTable {
    var header: [String]
    var rows: [[String]]
    /// Columns holding numbers (right-aligned).
    var numericColumns: Set<Int> = []
    /// (row, column) cells over a device limit.
    var highlighted: Set<[Int]> = []
}

enum ReportTables {
    /// Rows by `row`, one column per metric; "—" where a combination is missing.
    static func metrics(_ table: MetricTable) -> TextTable {
        let metrics = table.metricNames
        let rows = table.rowNames.map { row in
            [row] + metrics.map { metric in table.estimate(row: row, metric: metric).map { NumberText.estimate($0) } ?? "—" }
        }
        return TextTable(header: [""] + metrics, rows: rows, numericColumns: Set(1...max(1, metrics.count)))
    }

    /// One row per method, one column per label fraction (union of all methods' fractions, ascending).
    static func labelEfficiency(_ study: LabelEfficiencyStudy) -> TextTable {
        let fractions = Array(Set(study.series.flatMap { $0.points.map(\.fraction) })).sorted()
        let rows = study.series.map { series in
            [series.method] + fractions.map { fraction in
                series.points.last { $0.fraction == fraction }.map { NumberText.estimate($0.estimate) } ?? "—"
            }
        }
        return TextTable(header: ["method"] + fractions.map { NumberText.percent($0) + " labels" }, rows: rows,
                         numericColumns: Set(1...max(1, fractions.count)))
    }

    /// One row per budget; a "TFLite Micro arena" column beside the planned one when any arena was measured.
    static func edgeBudgets(_ edge: EdgeSection) -> TextTable {
        let measured = edge.budgets.contains { $0.measuredArenaBytes != nil }
        var highlighted: Set<[Int]> = []
        let rows = edge.budgets.enumerated().map { index, budget -> [String] in
            let exceeded = edge.exceededLimits(of: budget)
            func marked(_ text: String, _ limit: String, column: Int) -> String {
                guard exceeded.contains(limit) else { return text }
                highlighted.insert([index, column])
                return text + " (over)"
            }
            let planned = NumberText.bytes(budget.arenaBytes)
            let arena = measured
                ? [planned, budget.measuredArenaBytes.map { marked(NumberText.bytes($0), "arena", column: 5) } ?? "—"]
                : [marked(planned, "arena", column: 4)]
            return [budget.model, budget.device, NumberText.grouped(budget.parameters),
                    marked(NumberText.bytes(budget.weightBytes), "weights", column: 3)]
                + arena
                + [NumberText.grouped(budget.multiplyAccumulates),
                   marked(NumberText.significant(budget.latencyMilliseconds, digits: 3), "latency", column: measured ? 7 : 6)]
        }
        let arenaHeader = measured ? ["arena (planned)", "arena (TFLite Micro)"] : ["arena"]
        return TextTable(header: ["model", "device", "parameters", "weights"] + arenaHeader + ["MACs", "latency (ms)"], rows: rows,
                         numericColumns: Set(2..<(measured ? 8 : 7)), highlighted: highlighted)
    }

    static func edgeLimits(_ edge: EdgeSection) -> TextTable {
        let rows = edge.limits.map { limit in
            [limit.device, limit.weightBytes.map(NumberText.bytes) ?? "—", limit.arenaBytes.map(NumberText.bytes) ?? "—",
             limit.latencyMilliseconds.map { NumberText.significant($0, digits: 3) } ?? "—"]
        }
        return TextTable(header: ["device", "weights limit", "arena limit", "latency limit (ms)"], rows: rows, numericColumns: [1, 2, 3])
    }

    static func edgeComparisons(_ edge: EdgeSection) -> TextTable {
        let rows = edge.comparisons.map { comparison in
            [comparison.student, comparison.metric, NumberText.estimate(comparison.studentValue),
             NumberText.estimate(comparison.teacherValue),
             NumberText.significant(comparison.studentValue.value - comparison.teacherValue.value, digits: 3)]
        }
        return TextTable(header: ["student", "metric", "student", "teacher", "student − teacher"], rows: rows, numericColumns: [2, 3, 4])
    }

    /// Provenance facts as (name, value) pairs; details sorted by key.
    static func provenanceFacts(_ run: RunProvenance) -> [(String, String)] {
        var facts: [(String, String)] = []
        if !run.codeVersion.isEmpty { facts.append(("code version", run.codeVersion)) }
        if !run.dataManifestHash.isEmpty { facts.append(("data manifest", run.dataManifestHash)) }
        if !run.seeds.isEmpty { facts.append(("seeds", run.seeds.map(String.init).joined(separator: ", "))) }
        if !run.machine.isEmpty { facts.append(("machine", run.machine)) }
        for key in run.details.keys.sorted() { facts.append((key, run.details[key] ?? "")) }
        return facts
    }
}
