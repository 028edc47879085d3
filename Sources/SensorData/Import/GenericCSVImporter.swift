import Foundation

/// Imports a CSV file with a header row and a timestamp column, mapping columns to streams by a
/// `CSVDescription`.
///
/// Per stream, rows whose cells for that stream are all empty are not samples of it (one file can
/// interleave streams at different rates); an empty or "nan" cell among filled ones is NaN. When a
/// stream's timestamps are already uniform at its declared rate (every interval within 1 % of the
/// period) over its filled rows, or over every row from its first to its last (its empty rows are
/// then missing samples, NaN), its samples are kept as they are. Otherwise they are resampled to the declared rate by
/// `Resampler` (anti-aliased; rows holding a NaN are left out first; long pauses stay NaN as gaps),
/// and a note on the recording says so.
public enum GenericCSVImporter {
    /// Imports `file` with `description`; the subject defaults to the file's name.
    public static func importFile(at file: URL, description: CSVDescription) throws -> Recording {
        let data = try ImportFiles.read(file)
        let name = file.deletingPathExtension().lastPathComponent
        return try parse(data: data, source: file.path, description: description,
                         subjectID: description.subjectID ?? name, sessionID: description.sessionID ?? "csv")
    }

    /// Parses CSV bytes into a recording.
    /// - Throws: `DataError` naming `source` and the line: a missing column, a ragged row, a bad or
    ///   non-increasing timestamp, a non-numeric cell, or no stream with samples.
    public static func parse(data: Data, source: String, description: CSVDescription,
                             subjectID: String, sessionID: String) throws -> Recording {
        let table = try data.withUnsafeBytes { raw in
            try readTable(CSVByteScanner(bytes: raw.bindMemory(to: UInt8.self)), source: source, description: description)
        }
        guard let origin = table.times.first else {
            throw DataError(.noUsableStream, file: source, "expected data rows after the header, found none")
        }
        var streams: [SensorStream] = []
        var notes: [String] = []
        for (streamIndex, mapping) in description.streams.enumerated() {
            let channels = mapping.columns.count
            let cellsOf = { (row: Int) in table.streams[streamIndex][(row * channels)..<((row + 1) * channels)] }
            let filledRows = (0..<table.times.count).filter { !cellsOf($0).allSatisfy(\.isNaN) }
            guard let firstRow = filledRows.first, let lastRow = filledRows.last else {
                notes.append("stream \(mapping.name): no samples in \(URL(fileURLWithPath: source).lastPathComponent)")
                continue
            }
            // Already uniform at the declared rate: over the rows holding this stream, or over every
            // row between its first and last (then its empty rows are missing samples, kept as NaN).
            let period = 1 / mapping.samplingRate
            let isUniform = { (rows: [Int]) in
                zip(rows.dropFirst(), rows).allSatisfy { abs((table.times[$0] - table.times[$1]) - period) <= 0.01 * period }
            }
            if let rows = [filledRows, Array(firstRow...lastRow)].first(where: isUniform) {
                streams.append(SensorStream(name: mapping.name, samplingRate: mapping.samplingRate, channelNames: mapping.channelNames,
                                            unit: mapping.unit, samples: rows.flatMap(cellsOf), startOffset: table.times[firstRow] - origin))
                continue
            }
            let times = filledRows.map { table.times[$0] }
            let outputValues = ((times[times.count - 1] - times[0]) * mapping.samplingRate + 1) * Double(channels)
            guard outputValues <= 1e9 else {
                throw DataError(.invalidValue, file: source,
                                "resampling \(mapping.name) to \(formatSeconds(mapping.samplingRate)) Hz over \(formatSeconds(times[times.count - 1] - times[0])) s would need \(formatSeconds(outputValues)) values; check the timestamp unit in the description")
            }
            let values = filledRows.flatMap(cellsOf)
            var keptTimes: [Double] = [], keptValues: [Float] = []
            for (frame, time) in times.enumerated() {
                let cells = values[(frame * channels)..<((frame + 1) * channels)]
                if cells.contains(where: \.isNaN) { continue }
                keptTimes.append(time)
                keptValues.append(contentsOf: cells)
            }
            guard !keptTimes.isEmpty else {
                notes.append("stream \(mapping.name): every row holds a NaN; nothing to resample")
                continue
            }
            let result = Resampler.resample(times: keptTimes, values: keptValues, channelCount: channels, targetRate: mapping.samplingRate)
            let gaps = result.gaps.map { TimeSpan(start: $0.start - origin, end: $0.end - origin) }
            streams.append(SensorStream(name: mapping.name, samplingRate: mapping.samplingRate, channelNames: mapping.channelNames,
                                        unit: mapping.unit, samples: result.samples, startOffset: result.startTime - origin, gaps: gaps))
            var note = "stream \(mapping.name): irregular timestamps (median interval \(formatSeconds(result.medianInterval * 1000)) ms) resampled to \(formatSeconds(mapping.samplingRate)) Hz with a windowed-sinc anti-aliasing low-pass at \(formatSeconds(result.cutoffFrequency)) Hz"
            if times.count != keptTimes.count { note += "; \(times.count - keptTimes.count) row(s) with a NaN left out first" }
            if !gaps.isEmpty { note += "; \(gaps.count) pause(s) not bridged, left as NaN gaps" }
            notes.append(note)
        }
        guard !streams.isEmpty else {
            throw DataError(.noUsableStream, file: source, "expected samples for at least one of the described streams (\(description.streams.map(\.name).joined(separator: ", "))), found none")
        }
        if table.assumedUTC { notes.append("ISO-8601 timestamps without a time zone read as UTC") }
        return Recording(subjectID: subjectID, sessionID: sessionID, startTime: origin, streams: streams, notes: notes)
    }

    /// The columns the description needs, row by row: times in seconds and per stream its cells
    /// (`[rows, columns]`, NaN where empty).
    private struct Table {
        var times: [Double] = []
        var streams: [[Float]]
        var assumedUTC = false
    }

    private static func readTable(_ start: CSVByteScanner, source: String, description: CSVDescription) throws -> Table {
        var scanner = start
        var cells: [Range<Int>] = []
        guard let header = scanner.nextNonBlankLine() else {
            throw DataError(.malformedHeader, file: source, line: 1, "expected a header row naming the columns, found an empty file")
        }
        scanner.split(header, delimiter: description.delimiter, into: &cells)
        let names = cells.map { unquoted(scanner.text($0)) }
        func column(_ name: String) throws -> Int {
            if let index = names.firstIndex(of: name) { return index }
            let nearest = names.min { editDistance($0, name) < editDistance($1, name) } ?? ""
            throw DataError(.malformedHeader, file: source, line: scanner.lineNumber,
                            "expected a column named \(DataError.quote(name)) (from the description), found none; nearest: \(DataError.quote(nearest))")
        }
        let timeColumn = try column(description.timestampColumn)
        let streamColumns = try description.streams.map { try $0.columns.map(column) }
        var table = Table(streams: Array(repeating: [], count: description.streams.count))
        while let line = scanner.nextNonBlankLine() {
            scanner.split(line, delimiter: description.delimiter, into: &cells)
            guard cells.count == names.count else {
                throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                                "expected \(names.count) cells (as in the header), found \(cells.count)")
            }
            let time = try timestamp(scanner, cells[timeColumn], unit: description.timestampUnit, source: source, table: &table)
            if let previous = table.times.last, !(time > previous) {
                throw DataError(.invalidValue, file: source, line: scanner.lineNumber,
                                "expected timestamps to increase, found \(formatSeconds(time)) s after \(formatSeconds(previous)) s")
            }
            table.times.append(time)
            for (streamIndex, columns) in streamColumns.enumerated() {
                for columnIndex in columns {
                    let cell = cells[columnIndex]
                    if scanner.trimmed(cell).isEmpty { table.streams[streamIndex].append(.nan); continue }
                    guard let value = scanner.number(cell, allowNaN: true) else {
                        throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                        "expected a number in column \(DataError.quote(names[columnIndex])), found \(DataError.quote(scanner.slice(cell)))")
                    }
                    table.streams[streamIndex].append(Float(value))
                }
            }
        }
        return table
    }

    private static func timestamp(_ scanner: CSVByteScanner, _ cell: Range<Int>, unit: CSVDescription.TimestampUnit,
                                  source: String, table: inout Table) throws -> Double {
        switch unit {
        case .seconds, .milliseconds:
            guard let value = scanner.number(cell), value.isFinite else {
                throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                "expected a timestamp in \(unit == .seconds ? "seconds" : "milliseconds"), found \(DataError.quote(scanner.slice(cell)))")
            }
            return unit == .seconds ? value : value / 1000
        case .iso8601:
            var trimmed = scanner.trimmed(cell)
            if trimmed.count >= 2, scanner.bytes[trimmed.lowerBound] == 0x22, scanner.bytes[trimmed.upperBound - 1] == 0x22 {
                trimmed = (trimmed.lowerBound + 1)..<(trimmed.upperBound - 1)
            }
            guard let parsed = ISO8601Timestamp.parse(UnsafeBufferPointer(rebasing: scanner.bytes[trimmed])) else {
                throw DataError(.nonNumericCell, file: source, line: scanner.lineNumber,
                                "expected an ISO-8601 timestamp such as 2024-03-01T12:00:00.250Z, found \(DataError.quote(scanner.slice(cell)))")
            }
            if !parsed.hasZone { table.assumedUTC = true }
            return parsed.seconds
        }
    }

    private static func unquoted(_ text: String) -> String {
        text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
    }
}
