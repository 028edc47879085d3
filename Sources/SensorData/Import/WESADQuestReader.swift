import Foundation

/// Reads the study protocol from a WESAD `SX_quest.csv` (semicolon-separated).
///
/// Three rows matter: `# ORDER` (condition names: Base, TSST, Fun, Medi 1, Medi 2, sRead, fRead,
/// bRead, ...), `# START` and `# END` (one time per condition). Time convention, as the dataset's
/// public loaders read it: a cell is minutes and seconds written as a decimal number — `7.08` is
/// 7 min 8 s (428 s), not 7.08 minutes — and a single fractional digit is tens of seconds (`50.3` is
/// 50 min 30 s, a trailing zero dropped by a spreadsheet). Times count from the start of the chest
/// (RespiBAN) recording.
public enum WESADQuestReader {
    public struct Condition: Sendable, Equatable {
        /// The name as written in the file ("Medi 1").
        public var name: String
        /// Seconds from the start of the RespiBAN recording.
        public var start: Double
        public var end: Double
        /// Physical lines of the `# START` and `# END` rows.
        public var startLine: Int
        public var endLine: Int
    }

    /// The label the data layer uses for a WESAD condition: Base -> baseline, TSST -> stress,
    /// Fun -> amusement, Medi 1 / Medi 2 -> meditation; other conditions keep their own names.
    public static func label(forCondition name: String) -> String {
        switch name.lowercased().filter({ !$0.isWhitespace }) {
        case "base": return "baseline"
        case "tsst": return "stress"
        case "fun": return "amusement"
        case "medi1", "medi2": return "meditation"
        default: return name
        }
    }

    /// Parses the protocol rows.
    /// - Throws: `DataError` naming `source` and the line: a missing row, rows of different lengths,
    ///   a time that is not minutes.seconds, or an end before its start.
    public static func parse(data: Data, source: String) throws -> [Condition] {
        try data.withUnsafeBytes { raw in
            var scanner = CSVByteScanner(bytes: raw.bindMemory(to: UInt8.self))
            var cells: [Range<Int>] = []
            var rows: [String: (line: Int, cells: [Range<Int>])] = [:]
            while let line = scanner.nextLine() {
                scanner.split(line, delimiter: 0x3B, into: &cells)
                let key = scanner.text(cells[0]).uppercased().filter { !$0.isWhitespace }
                guard ["#ORDER", "#START", "#END"].contains(key) else { continue }
                guard rows[key] == nil else {
                    throw DataError(.malformedHeader, file: source, line: scanner.lineNumber,
                                    "expected one \"# \(key.dropFirst())\" row, found a second one")
                }
                var values = Array(cells.dropFirst())
                while let last = values.last, scanner.trimmed(last).isEmpty { values.removeLast() }
                rows[key] = (scanner.lineNumber, values)
            }
            for key in ["#ORDER", "#START", "#END"] where rows[key] == nil {
                throw DataError(.malformedHeader, file: source,
                                "expected a row starting with \"# \(key.dropFirst())\" (WESAD protocol), found none")
            }
            let order = rows["#ORDER"]!, starts = rows["#START"]!, ends = rows["#END"]!
            var names: [String] = []
            for (column, cell) in order.cells.enumerated() {
                let name = scanner.text(cell)
                guard !name.isEmpty else {
                    throw DataError(.malformedHeader, file: source, line: order.line,
                                    "expected a condition name in column \(column + 2), found an empty cell")
                }
                names.append(name)
            }
            for row in [starts, ends] where row.cells.count != names.count {
                throw DataError(.raggedRow, file: source, line: row.line,
                                "expected \(names.count) times (one per condition of the # ORDER row on line \(order.line)), found \(row.cells.count)")
            }
            var conditions: [Condition] = []
            for (column, name) in names.enumerated() {
                let start = try minutesSeconds(scanner, starts.cells[column], source: source, line: starts.line, column: column + 2)
                let end = try minutesSeconds(scanner, ends.cells[column], source: source, line: ends.line, column: column + 2)
                guard end >= start else {
                    throw DataError(.invalidValue, file: source, line: ends.line,
                                    "expected the end of \(name) after its start (\(formatSeconds(start)) s), found \(formatSeconds(end)) s")
                }
                conditions.append(Condition(name: name, start: start, end: end, startLine: starts.line, endLine: ends.line))
            }
            return conditions
        }
    }

    /// Parses `M.SS` (or `M.S` meaning `M.S0`, or `M`) into seconds.
    private static func minutesSeconds(_ scanner: CSVByteScanner, _ range: Range<Int>, source: String,
                                       line: Int, column: Int) throws -> Double {
        let cell = scanner.trimmed(range)
        let bytes = scanner.bytes
        var index = cell.lowerBound
        var minutes = 0, minuteDigits = 0
        while index < cell.upperBound, bytes[index] &- 0x30 < 10, minuteDigits < 6 {
            minutes = minutes * 10 + Int(bytes[index] &- 0x30)
            minuteDigits += 1
            index += 1
        }
        var seconds = 0, secondDigits = 0
        if minuteDigits > 0, index < cell.upperBound, bytes[index] == 0x2E {
            index += 1
            while index < cell.upperBound, bytes[index] &- 0x30 < 10, secondDigits < 3 {
                seconds = seconds * 10 + Int(bytes[index] &- 0x30)
                secondDigits += 1
                index += 1
            }
            if secondDigits == 1 { seconds *= 10 }
        }
        guard minuteDigits > 0, index == cell.upperBound, secondDigits <= 2, seconds < 60 else {
            throw DataError(.invalidValue, file: source, line: line,
                            "expected a time as minutes.seconds (e.g. 7.08 for 7 min 8 s) in column \(column), found \(DataError.quote(scanner.slice(range)))")
        }
        return Double(minutes * 60 + seconds)
    }
}
