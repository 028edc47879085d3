import Foundation

/// Errors reading results into a report, each naming the file and line (or path) at fault.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// A `metrics.jsonl` line that is not a flat JSON object with an integer `step`.
    case malformedMetricsLine(source: String, line: Int, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .malformedMetricsLine(source, line, reason): "\(source):\(line): \(reason)"
        case let .writeFailed(path, reason): "cannot write \(path): \(reason)"
        }
    }
}

/// Reads `metrics.jsonl`: one flat JSON object per line such as `{"step": 10, "loss": 0.93, "loss.masked.ppg": 0.41}`.
/// Every numeric key other than `step` becomes a series; strings, booleans and nulls are ignored; blank lines are
/// skipped. A line that is not such an object throws, naming the line.
public enum MetricsLogParser {
    /// Series grouped by key, sorted by key; points in file order.
    /// - Parameter source: the file name used in error messages.
    public static func parse(_ text: String, source: String = "metrics.jsonl") throws -> [MetricSeries] {
        var pointsByKey: [String: [MetricSeries.Point]] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let lineNumber = offset + 1
            func failure(_ reason: String) -> ReportError {
                .malformedMetricsLine(source: source, line: lineNumber, reason: reason)
            }
            let parsed: Any
            do {
                parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
            } catch {
                throw failure("not valid JSON: \(line.prefix(80))")
            }
            guard let object = parsed as? [String: Any] else { throw failure("not a JSON object") }
            guard let stepValue = object["step"] else { throw failure("no \"step\" key") }
            guard let stepNumber = number(stepValue), stepNumber.rounded() == stepNumber, abs(stepNumber) < 1e15 else {
                throw failure("\"step\" is not an integer")
            }
            let step = Int(stepNumber)
            for (key, value) in object where key != "step" {
                guard let value = number(value) else { continue }
                pointsByKey[key, default: []].append(.init(step: step, value: value))
            }
        }
        return pointsByKey.keys.sorted().map { MetricSeries(key: $0, points: pointsByKey[$0] ?? []) }
    }

    /// Reads and parses a file; the error names the file's last path component.
    public static func parse(contentsOf url: URL) throws -> [MetricSeries] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ReportError.malformedMetricsLine(source: url.lastPathComponent, line: 0, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, source: url.lastPathComponent)
    }

    /// A JSON number as `Double`; `nil` for booleans and non-numbers. JSONSerialization hands booleans over as
    /// NSNumbers of type "c" (char), and `is Bool` is true for the numbers 0 and 1, so the type code decides.
    private static func number(_ value: Any) -> Double? {
        guard let number = value as? NSNumber else { return nil }
        if String(cString: number.objCType) == "c" { return nil }
        return number.doubleValue
    }
}
