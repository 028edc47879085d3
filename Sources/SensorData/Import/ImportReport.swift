import Foundation

/// What `sensorfm data inspect` shows about a recording source (an E4 export, a WESAD root, a labelled
/// collection, a CSV file): its detected layout and one `RecordingSummary` per recording.
public struct RecordingsInspection: Sendable, Codable, Equatable, CustomStringConvertible {
    public var path: String
    public var format: ImportFormat
    public var recordings: [RecordingSummary]

    /// Imports everything at `url` (nothing is written) and summarises it.
    /// - Throws: `DataError` naming the file and line of the first problem.
    public init(url: URL, format: ImportFormat?, csvDescription: URL?) throws {
        let resolved = try format ?? RecordingImporter.detectFormat(at: url)
        self.init(path: url.path, format: resolved,
                  recordings: try RecordingImporter.importRecordings(at: url, format: resolved, csvDescription: csvDescription))
    }

    public init(path: String, format: ImportFormat, recordings: [Recording]) {
        self.path = path
        self.format = format
        self.recordings = recordings.map { RecordingSummary($0) }
    }

    public var description: String {
        "\(path): \(format) layout\n" + RecordingSummary.description(of: recordings)
    }
}

/// What `sensorfm data import` prints once the dataset is written: the recordings read, what the
/// windowing left out, and the written dataset as read back (windows kept and rejected by reason,
/// label counts, shard check).
public struct ImportReport: Sendable, Codable, Equatable, CustomStringConvertible {
    public var recordings: RecordingsInspection
    public var notes: [String]
    public var dataset: DatasetInspection

    public init(recordings: RecordingsInspection, notes: [String], dataset: DatasetInspection) {
        self.recordings = recordings
        self.notes = notes
        self.dataset = dataset
    }

    /// Imports `source`, windows it and writes the dataset to `destination` (atomically: on any error
    /// nothing is left there), then reads the dataset back for the report.
    /// - Throws: `DataError` naming the file and line of the first problem, or `--out` when it holds
    ///   something other than a dataset.
    public static func importDataset(from source: URL, format: ImportFormat?, csvDescription: URL?, to destination: URL,
                                     windowSeconds: Double, strideSeconds: Double) throws -> ImportReport {
        if let problem = DataCommandArguments.outputProblem(destination) {
            throw DataError(.invalidValue, file: destination.path, problem)
        }
        let resolved = try format ?? RecordingImporter.detectFormat(at: source)
        let recordings = try RecordingImporter.importRecordings(at: source, format: resolved, csvDescription: csvDescription)
        let plan = try ImportWindowing.plan(for: recordings, windowSeconds: windowSeconds, strideSeconds: strideSeconds,
                                            source: source.path)
        let writer = try DatasetWriter(configuration: plan.configuration, destination: destination)
        for recording in recordings { try writer.add(ImportWindowing.prepared(recording, plan: plan)) }
        try writer.finish(source: ["kind": "import", "format": resolved.rawValue, "path": source.path])
        return ImportReport(recordings: RecordingsInspection(path: source.path, format: resolved, recordings: recordings),
                            notes: plan.notes, dataset: try DatasetInspection(directory: destination))
    }

    public var description: String {
        var lines = [recordings.description]
        for note in notes { lines.append("note: \(note)") }
        let shortest = recordings.recordings.map(\.durationSeconds).min() ?? 0
        if dataset.manifest.windows == 0 {
            lines.append("note: no window was kept; the shortest recording lasts \(formatSeconds(shortest)) s and a window \(formatSeconds(dataset.manifest.windowSeconds)) s (try a shorter --window)")
        }
        lines.append(dataset.description)
        return lines.joined(separator: "\n")
    }
}

/// JSON for the data command's `--json` output: sorted keys, indentation, NaN and infinities as strings
/// (as in `manifest.json`), so the output always parses.
public enum DataJSON {
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }
}
