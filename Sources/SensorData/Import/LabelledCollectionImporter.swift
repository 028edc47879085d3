import Foundation

/// Imports a labelled collection: a folder of E4 export folders plus `labels.csv`, one label per
/// recording.
///
/// `labels.csv` starts with a header row naming its columns, in any order: `folder` and `label`
/// (required), `split` and `subject` (optional; without `subject` the folder name is the subject id).
/// Folders not listed in `labels.csv` are not imported (a note on the first recording says which).
public enum LabelledCollectionImporter {
    public static let labelsFileName = "labels.csv"

    public struct Entry: Sendable, Equatable {
        public var folder: String
        public var label: String
        public var split: String?
        public var subject: String?
        public var line: Int
    }

    /// Parses `labels.csv` from its bytes.
    /// - Throws: `DataError` naming `source` and the line: a header without `folder` or `label`, an
    ///   unknown column, a ragged row, an empty folder or label, a folder listed twice.
    public static func parseLabels(data: Data, source: String) throws -> [Entry] {
        try data.withUnsafeBytes { raw in
            var scanner = CSVByteScanner(bytes: raw.bindMemory(to: UInt8.self))
            var cells: [Range<Int>] = []
            guard let header = scanner.nextNonBlankLine() else {
                throw DataError(.malformedHeader, file: source, line: 1,
                                "expected a header row naming the columns folder, label (and optionally split, subject), found an empty file")
            }
            scanner.split(header, delimiter: 0x2C, into: &cells)
            let columns = cells.map { scanner.text($0).lowercased() }
            let known = ["folder", "label", "split", "subject"]
            for name in columns where !known.contains(name) {
                throw DataError(.malformedHeader, file: source, line: scanner.lineNumber,
                                "expected columns named folder, label, split or subject, found \(DataError.quote(name))")
            }
            guard let folderColumn = columns.firstIndex(of: "folder"), let labelColumn = columns.firstIndex(of: "label") else {
                throw DataError(.malformedHeader, file: source, line: scanner.lineNumber,
                                "expected a header row with columns folder and label, found \(DataError.quote(scanner.slice(header)))")
            }
            let splitColumn = columns.firstIndex(of: "split"), subjectColumn = columns.firstIndex(of: "subject")
            var entries: [Entry] = []
            var seen: [String: Int] = [:]
            while let line = scanner.nextNonBlankLine() {
                scanner.split(line, delimiter: 0x2C, into: &cells)
                guard cells.count == columns.count else {
                    throw DataError(.raggedRow, file: source, line: scanner.lineNumber,
                                    "expected \(columns.count) cells (as in the header), found \(cells.count)")
                }
                let folder = scanner.text(cells[folderColumn]), label = scanner.text(cells[labelColumn])
                guard !folder.isEmpty, !label.isEmpty else {
                    throw DataError(.invalidValue, file: source, line: scanner.lineNumber,
                                    "expected a folder name and a label, found an empty cell")
                }
                if let first = seen[folder] {
                    throw DataError(.invalidValue, file: source, line: scanner.lineNumber,
                                    "folder \(DataError.quote(folder)) is already labelled on line \(first)")
                }
                seen[folder] = scanner.lineNumber
                let split = splitColumn.map { scanner.text(cells[$0]) }.flatMap { $0.isEmpty ? nil : $0 }
                let subject = subjectColumn.map { scanner.text(cells[$0]) }.flatMap { $0.isEmpty ? nil : $0 }
                entries.append(Entry(folder: folder, label: label, split: split, subject: subject, line: scanner.lineNumber))
            }
            return entries
        }
    }

    /// Whether `folder` holds `labels.csv`.
    static func isCollection(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(labelsFileName).path)
    }

    /// Imports every folder listed in `root/labels.csv`.
    public static func importCollection(at root: URL) throws -> [Recording] {
        let labelsFile = root.appendingPathComponent(labelsFileName)
        let entries = try parseLabels(data: try ImportFiles.read(labelsFile), source: labelsFile.path)
        guard !entries.isEmpty else {
            throw DataError(.noUsableStream, file: labelsFile.path, "expected at least one labelled folder, found only the header")
        }
        var recordings: [Recording] = []
        for entry in entries {
            let folder = root.appendingPathComponent(entry.folder)
            guard ImportFiles.isDirectory(folder) else {
                throw DataError(.missingFile, file: labelsFile.path, line: entry.line,
                                "expected a folder \(DataError.quote(entry.folder)) next to \(labelsFileName), found none")
            }
            guard E4FolderImporter.isE4Folder(folder) else {
                throw DataError(.noUsableStream, file: labelsFile.path, line: entry.line,
                                "expected E4 files (ACC.csv, BVP.csv, ...) in folder \(DataError.quote(entry.folder)), found none")
            }
            var recording = try E4FolderImporter.importFolder(at: folder, subjectID: entry.subject ?? entry.folder, sessionID: entry.folder)
            recording.recordingLabel = entry.label
            recording.split = entry.split
            recordings.append(recording)
        }
        let listed = Set(entries.map(\.folder))
        let unlisted = ImportFiles.subfolders(of: root).map(\.lastPathComponent).filter { !listed.contains($0) }
        if !unlisted.isEmpty {
            recordings[0].notes.append("not imported (absent from \(labelsFileName)): \(unlisted.joined(separator: ", "))")
        }
        return recordings
    }
}
