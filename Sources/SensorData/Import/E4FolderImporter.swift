import Foundation

/// Imports one Empatica E4 export folder (the unzipped `*.zip` from E4 Connect) as a recording.
///
/// Known files become standard streams: `ACC.csv` -> "acc" (x, y, z converted from 1/64 g to g),
/// `BVP.csv` -> "ppg", `TEMP.csv` -> "temp" (°C), `EDA.csv` -> "eda" (µS), `HR.csv` -> "hr" (bpm),
/// `IBI.csv` -> "ibi" (an event stream of intervals in s, not resampled), `tags.csv` -> instant labels
/// "tag". Any other CSV in E4 layout becomes an extra stream named by its file (`GYRO.csv` -> "gyro").
/// The recording starts at the earliest start time of its files; each stream keeps its own offset.
public enum E4FolderImporter {
    /// File stems (lowercased) that identify an E4 export.
    static let knownStems: Set<String> = ["acc", "bvp", "temp", "eda", "hr", "ibi", "tags"]
    /// Stems that hold signals rather than tags; a folder is an E4 export when it holds one of them.
    static let signalStems: Set<String> = ["acc", "bvp", "temp", "eda", "hr", "ibi"]

    /// Whether `folder` directly holds at least one E4 signal file.
    public static func isE4Folder(_ folder: URL) -> Bool {
        csvFiles(in: folder).contains { signalStems.contains(stem($0)) }
    }

    /// Imports the folder.
    /// - Throws: `DataError` naming the file and line of malformed input, or `.noUsableStream` when no
    ///   file yields samples.
    public static func importFolder(at folder: URL, subjectID: String, sessionID: String) throws -> Recording {
        var signals: [(stem: String, file: URL, table: E4CSVReader.SignalTable)] = []
        var interbeat: E4CSVReader.InterbeatTable?
        var tagFile: URL?
        var notes: [String] = []
        for file in csvFiles(in: folder) {
            let name = stem(file)
            let data = try ImportFiles.read(file)
            switch name {
            case "tags":
                tagFile = file
            case "ibi":
                interbeat = try E4CSVReader.parseInterbeatIntervals(data: data, source: file.path)
            default:
                do {
                    signals.append((name, file, try E4CSVReader.parse(data: data, source: file.path)))
                } catch let error as DataError where !knownStems.contains(name) && (error.line ?? 0) <= 2 {
                    notes.append("skipped \(file.lastPathComponent): not in E4 layout (\(error.message))")
                }
            }
        }
        signals.removeAll { signal in
            guard signal.table.rowCount == 0 else { return false }
            notes.append("skipped \(signal.file.lastPathComponent): no samples after the header")
            return true
        }
        let interbeatUsable = interbeat.map { !$0.offsets.isEmpty } ?? false
        guard !signals.isEmpty || interbeatUsable else {
            let found = csvFiles(in: folder).map(\.lastPathComponent).joined(separator: ", ")
            throw DataError(.noUsableStream, file: folder.path,
                            "expected at least one E4 signal file with samples (ACC.csv, BVP.csv, TEMP.csv, EDA.csv, HR.csv, IBI.csv, or another CSV in E4 layout); found: \(found.isEmpty ? "no CSV files" : found)")
        }
        let startTimes = signals.map(\.table.startTime) + (interbeatUsable ? [interbeat!.startTime] : [])
        let origin = startTimes.min()!
        var streams: [SensorStream] = []
        var sourceOf: [String: URL] = [:]
        for signal in signals {
            let stream = try makeStream(stem: signal.stem, file: signal.file, table: signal.table, origin: origin)
            if let first = sourceOf[stream.name] {
                throw DataError(.unrecognisedLayout, file: signal.file.path,
                                "expected one file per stream; \(first.lastPathComponent) and \(signal.file.lastPathComponent) both give stream \"\(stream.name)\"")
            }
            sourceOf[stream.name] = signal.file
            streams.append(stream)
        }
        if let interbeat, interbeatUsable {
            streams.append(SensorStream(
                name: SensorStream.StandardName.interbeatInterval,
                eventTimes: interbeat.offsets.map { interbeat.startTime - origin + $0 },
                channelNames: ["interval"], unit: "s", samples: interbeat.intervals))
        }
        var recording = Recording(subjectID: subjectID, sessionID: sessionID, startTime: origin,
                                  streams: streams, notes: notes)
        if let tagFile {
            let tags = try E4CSVReader.parseTags(data: try ImportFiles.read(tagFile), source: tagFile.path)
            recording.labels = tags.map { LabelInterval(start: $0.time - origin, end: $0.time - origin, label: "tag", sourceLine: $0.line) }
            try recording.validateLabels(file: tagFile.path)
        }
        return recording
    }

    /// The stream for a signal file, with E4 names, channels and units.
    static func makeStream(stem: String, file: URL, table: E4CSVReader.SignalTable, origin: Double) throws -> SensorStream {
        let offset = table.startTime - origin
        let columns = table.columnCount
        let expectedColumns = ["acc": 3, "bvp": 1, "temp": 1, "eda": 1, "hr": 1][stem]
        if let expectedColumns, expectedColumns != columns {
            throw DataError(.malformedHeader, file: file.path, line: 1,
                            "expected \(expectedColumns) column(s) in an E4 \(file.lastPathComponent), found \(columns)")
        }
        func stream(_ name: String, _ channels: [String], _ unit: String, _ samples: [Float],
                    range: ClosedRange<Float>? = nil) -> SensorStream {
            SensorStream(name: name, samplingRate: table.samplingRate, channelNames: channels, unit: unit,
                         samples: samples, startOffset: offset, validRange: range)
        }
        switch (stem, columns) {
        case ("acc", 3):
            // 8-bit samples in 1/64 g: the sensor reports -128...127, i.e. -2 g ... 1.984 g.
            let samples = table.values.map { $0 / 64 }
            return stream(SensorStream.StandardName.accelerometer, ["x", "y", "z"], "g", samples, range: -2...(127 / 64))
        case ("bvp", 1): return stream(SensorStream.StandardName.ppg, ["bvp"], "a.u.", table.values)
        case ("temp", 1): return stream(SensorStream.StandardName.temperature, ["temperature"], "°C", table.values)
        case ("eda", 1): return stream(SensorStream.StandardName.electrodermalActivity, ["eda"], "µS", table.values)
        case ("hr", 1): return stream(SensorStream.StandardName.heartRate, ["heart rate"], "bpm", table.values)
        default:
            let channels = columns == 3 ? ["x", "y", "z"] : columns == 1 ? ["value"] : (1...columns).map { "channel\($0)" }
            return stream(stem, channels, "a.u.", table.values)
        }
    }

    /// CSV files directly in `folder`, sorted by name.
    static func csvFiles(in folder: URL) -> [URL] {
        let contents = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.isRegularFileKey])) ?? []
        return contents
            .filter { $0.pathExtension.lowercased() == "csv" && ((try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func stem(_ file: URL) -> String { file.deletingPathExtension().lastPathComponent.lowercased() }
}

/// File reading shared by the importers, with errors that name the file.
enum ImportFiles {
    static func read(_ file: URL) throws -> Data {
        do {
            return try Data(contentsOf: file, options: .alwaysMapped)
        } catch {
            throw DataError(.missingFile, file: file.path, "cannot read the file (\(error.localizedDescription))")
        }
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Subfolders of `folder`, sorted by name.
    static func subfolders(of folder: URL) -> [URL] {
        let contents = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return contents.filter(isDirectory).sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
