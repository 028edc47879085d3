import Foundation

/// Reads the CSV files of an Empatica E4 export from their bytes.
///
/// Layouts (all comma-separated, no column names):
/// - signal files (`ACC.csv`, `BVP.csv`, `TEMP.csv`, `EDA.csv`, `HR.csv`, unknown extras): line 1 holds
///   the start time in UNIX seconds once per column, line 2 the sample rate in Hz once per column, then
///   one row of samples per line;
/// - `IBI.csv`: line 1 is `start time, IBI`, then `seconds since start, interval in seconds` per beat;
/// - `tags.csv`: one UNIX time per line (button presses), possibly empty.
///
/// Entry points take bytes so a fuzzer can call them; none of them traps on any input.
public enum E4CSVReader {
    /// A signal file: `values` is row-major `[rowCount, columnCount]`, exactly as in the file.
    public struct SignalTable: Sendable, Equatable {
        public var startTime: Double
        public var samplingRate: Double
        public var columnCount: Int
        public var values: [Float]
        public var rowCount: Int { columnCount == 0 ? 0 : values.count / columnCount }
    }

    /// An inter-beat-interval file: beat `i` ends `offsets[i]` seconds after `startTime`, `intervals[i]` long.
    public struct InterbeatTable: Sendable, Equatable {
        public var startTime: Double
        public var offsets: [Double]
        public var intervals: [Float]
        /// Physical line of each beat, for error messages about individual beats.
        public var lines: [Int]
    }

    /// Parses a signal file.
    /// - Throws: `DataError` naming `source` and the line: missing or non-numeric header rows, a sample
    ///   rate that is not a positive number, header columns that disagree, ragged or non-numeric rows.
    public static func parse(data: Data, source: String) throws -> SignalTable {
        try data.withUnsafeBytes { raw in
            try parseSignal(CSVByteScanner(bytes: raw.bindMemory(to: UInt8.self)), source: source)
        }
    }

    /// Parses `IBI.csv`.
    public static func parseInterbeatIntervals(data: Data, source: String) throws -> InterbeatTable {
        try data.withUnsafeBytes { raw in
            try parseInterbeat(CSVByteScanner(bytes: raw.bindMemory(to: UInt8.self)), source: source)
        }
    }

    /// Parses `tags.csv`: the UNIX times of the button presses with their lines.
    public static func parseTags(data: Data, source: String) throws -> [(time: Double, line: Int)] {
        try data.withUnsafeBytes { raw in
            var scanner = CSVByteScanner(bytes: raw.bindMemory(to: UInt8.self))
            var cells: [Range<Int>] = []
            var tags: [(time: Double, line: Int)] = []
            while let line = scanner.nextNonBlankLine() {
                scanner.split(line, delimiter: 0x2C, into: &cells)
                guard cells.count == 1 else {
                    throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                                    "expected one UNIX time per line, found \(cells.count) cells")
                }
                guard let time = scanner.number(cells[0]), time.isFinite else {
                    throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                    "expected a tag time in UNIX seconds, found \(DataError.quote(scanner.slice(cells[0])))")
                }
                tags.append((time, scanner.lineNumber))
            }
            return tags
        }
    }

    private static func parseSignal(_ start: CSVByteScanner, source: String) throws -> SignalTable {
        var scanner = start
        var cells: [Range<Int>] = []
        let startTimes = try headerRow(&scanner, &cells, source: source, what: "a start time in UNIX seconds", lineNumber: 1)
        let rates = try headerRow(&scanner, &cells, source: source, what: "a sample rate in Hz", lineNumber: 2)
        let columnCount = startTimes.count
        guard rates.count == columnCount else {
            throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                            "expected \(columnCount) sample rates (one per column of line 1), found \(rates.count)")
        }
        for rate in rates where !(rate > 0) || !rate.isFinite {
            throw DataError(.invalidSampleRate, file: source, line: scanner.lineNumber,
                            "expected a positive, finite sample rate in Hz, found \(rate)")
        }
        guard let startTime = startTimes.first, startTimes.allSatisfy({ abs($0 - startTime) < 1e-3 }) else {
            throw DataError(.malformedHeader, file: source, line: 1,
                            "expected the same start time in every column, found \(startTimes.map { String($0) }.joined(separator: ", "))")
        }
        let rate = rates[0]
        guard rates.allSatisfy({ abs($0 - rate) < 1e-9 * rate }) else {
            throw DataError(.invalidSampleRate, file: source, line: 2,
                            "expected the same sample rate in every column, found \(rates.map { String($0) }.joined(separator: ", "))")
        }
        // Rows are written straight into a growing buffer: no Array append or ARC traffic per value.
        // Each value takes at least two bytes ("1\n"); typical E4 rows take 5-7 bytes per value.
        var capacity = max(64, (scanner.bytes.count - scanner.position) / 5 + columnCount)
        var buffer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var count = 0
        let bytes = scanner.bytes
        while let line = scanner.nextLine() {
            if scanner.isBlank(line) { continue }
            if count + columnCount > capacity {
                let grown = UnsafeMutablePointer<Float>.allocate(capacity: capacity * 2)
                grown.update(from: buffer, count: count)
                buffer.deallocate()
                buffer = grown
                capacity *= 2
            }
            var column = 0
            var cellStart = line.lowerBound
            var index = line.lowerBound
            while true {
                let atEnd = index == line.upperBound
                if atEnd || bytes[index] == 0x2C {
                    guard column < columnCount else {
                        throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                                        "expected \(columnCount) values per row (as on line 1), found more")
                    }
                    guard let value = scanner.number(cellStart..<index) else {
                        throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                        "expected a number in column \(column + 1), found \(DataError.quote(scanner.slice(cellStart..<index)))")
                    }
                    buffer[count + column] = Float(value)
                    column += 1
                    cellStart = index + 1
                    if atEnd { break }
                }
                index += 1
            }
            guard column == columnCount else {
                throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                                "expected \(columnCount) values per row (as on line 1), found \(column)")
            }
            count += columnCount
        }
        let values = Array(UnsafeBufferPointer(start: buffer, count: count))
        return SignalTable(startTime: startTime, samplingRate: rate, columnCount: columnCount, values: values)
    }

    /// Reads header line `lineNumber` (which must be the next physical line) as numbers.
    private static func headerRow(_ scanner: inout CSVByteScanner, _ cells: inout [Range<Int>], source: String,
                                  what: String, lineNumber: Int) throws -> [Double] {
        guard let line = scanner.nextLine() else {
            throw DataError(.malformedHeader, file: source, line: lineNumber,
                            "expected \(what) on line \(lineNumber) (E4 header), found the end of the file")
        }
        scanner.split(line, delimiter: 0x2C, into: &cells)
        var numbers: [Double] = []
        for (column, cell) in cells.enumerated() {
            guard let number = scanner.number(cell), number.isFinite else {
                let kind: DataError.Kind = lineNumber == 2 ? .invalidSampleRate : .malformedHeader
                throw DataError(kind, file: source, line: lineNumber,
                                "expected \(what) in column \(column + 1) (E4 header row \(lineNumber)), found \(DataError.quote(scanner.slice(cell)))")
            }
            numbers.append(number)
        }
        return numbers
    }

    private static func parseInterbeat(_ start: CSVByteScanner, source: String) throws -> InterbeatTable {
        var scanner = start
        var cells: [Range<Int>] = []
        guard let header = scanner.nextLine() else {
            throw DataError(.malformedHeader, file: source, line: 1,
                            "expected \"start time, IBI\" on line 1, found the end of the file")
        }
        scanner.split(header, delimiter: 0x2C, into: &cells)
        guard cells.count == 2, let startTime = scanner.number(cells[0]), startTime.isFinite else {
            throw DataError(.malformedHeader, file: source, line: 1,
                            "expected \"start time in UNIX seconds, IBI\" on line 1, found \(DataError.quote(scanner.slice(header)))")
        }
        var table = InterbeatTable(startTime: startTime, offsets: [], intervals: [], lines: [])
        while let line = scanner.nextNonBlankLine() {
            scanner.split(line, delimiter: 0x2C, into: &cells)
            guard cells.count == 2 else {
                throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                                "expected 2 values (seconds since start, interval in seconds), found \(cells.count)")
            }
            guard let offset = scanner.number(cells[0]), offset.isFinite else {
                throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                "expected seconds since start in column 1, found \(DataError.quote(scanner.slice(cells[0])))")
            }
            guard let interval = scanner.number(cells[1]), interval.isFinite else {
                throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                "expected an interval in seconds in column 2, found \(DataError.quote(scanner.slice(cells[1])))")
            }
            guard offset >= 0, interval > 0, offset >= (table.offsets.last ?? 0) else {
                throw DataError(.invalidValue, file: source, line: scanner.lineNumber,
                                "expected a non-negative, non-decreasing time and a positive interval, found \(offset), \(interval)")
            }
            table.offsets.append(offset)
            table.intervals.append(Float(interval))
            table.lines.append(scanner.lineNumber)
        }
        return table
    }
}
