import Foundation

/// The layouts `sensorfm data import` reads.
public enum ImportFormat: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// An E4 export folder, or a folder whose subfolders (one or two levels down) are E4 exports
    /// (PPG-DaLiA after unzipping `SX_E4.zip`): one recording per export folder.
    case e4
    /// A WESAD root (`S2/ ... S17/`) or a single WESAD subject folder.
    case wesad
    /// A folder of E4 export folders with `labels.csv`.
    case labelledCollection
    /// A CSV file (or a folder of CSV files) described by a YAML mapping.
    case csv

    public var description: String { rawValue }
}

/// Entry point of the importers: detects a layout and turns it into recordings.
public enum RecordingImporter {
    /// Detects the layout at `url`. Checked in order: a file is CSV; a folder with `labels.csv` is a
    /// labelled collection; a folder with WESAD subject folders (or one itself) is WESAD; a folder with
    /// E4 files, or with E4 folders one or two levels down, is E4; a folder of CSV files is CSV.
    /// - Throws: `DataError.missingFile` or `.unrecognisedLayout` naming the path.
    public static func detectFormat(at url: URL) throws -> ImportFormat {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataError(.missingFile, file: url.path, "expected a recording folder or CSV file, found nothing at this path")
        }
        guard ImportFiles.isDirectory(url) else {
            guard ["csv", "tsv", "txt"].contains(url.pathExtension.lowercased()) else {
                throw DataError(.unrecognisedLayout, file: url.path, "expected a .csv file or a folder")
            }
            return .csv
        }
        if LabelledCollectionImporter.isCollection(url) { return .labelledCollection }
        if WESADImporter.isSubjectFolder(url) || WESADImporter.subjectFolders(in: url).contains(where: WESADImporter.isSubjectFolder) {
            return .wesad
        }
        if !e4Folders(under: url).isEmpty { return .e4 }
        if !E4FolderImporter.csvFiles(in: url).isEmpty { return .csv }
        throw DataError(.unrecognisedLayout, file: url.path,
                        "expected an E4 export (ACC.csv, BVP.csv, ...), a WESAD root (S2/ ... with SX_E4_Data/), a folder with labels.csv, or CSV files; found none of these")
    }

    /// Imports everything at `url`.
    /// - Parameters:
    ///   - format: the layout, or nil to detect it.
    ///   - csvDescription: the YAML mapping for `.csv`; when nil, `<name>.yaml`/`.yml` beside a CSV
    ///     file, or `description.yaml`/`.yml` inside a folder of CSV files, is used.
    /// - Throws: `DataError` naming the file and line of the first problem; nothing is imported then.
    public static func importRecordings(at url: URL, format: ImportFormat?, csvDescription: URL?) throws -> [Recording] {
        let resolved = try format ?? detectFormat(at: url)
        switch resolved {
        case .e4:
            let folders = e4Folders(under: url)
            guard !folders.isEmpty else {
                throw DataError(.noUsableStream, file: url.path, "expected E4 files (ACC.csv, BVP.csv, TEMP.csv, ...) here or in subfolders, found none")
            }
            return try folders.map { folder in
                let relative = relativeComponents(of: folder, under: url)
                let subject = relative.first ?? folder.lastPathComponent
                return try E4FolderImporter.importFolder(at: folder, subjectID: subject, sessionID: relative.last ?? "e4")
            }
        case .wesad:
            return try WESADImporter.importRoot(at: url)
        case .labelledCollection:
            return try LabelledCollectionImporter.importCollection(at: url)
        case .csv:
            return try importCSV(at: url, descriptionFile: csvDescription)
        }
    }

    private static func importCSV(at url: URL, descriptionFile: URL?) throws -> [Recording] {
        let isFolder = ImportFiles.isDirectory(url)
        let files = isFolder ? E4FolderImporter.csvFiles(in: url) : [url]
        let candidates: [URL]
        if let descriptionFile {
            candidates = [descriptionFile]
        } else if isFolder {
            candidates = ["description.yaml", "description.yml"].map { url.appendingPathComponent($0) }
        } else {
            candidates = ["yaml", "yml"].map { url.deletingPathExtension().appendingPathExtension($0) }
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw DataError(.missingFile, file: candidates[0].path,
                            "expected a YAML description of the CSV columns (pass one, or place it here)")
        }
        let description = try CSVDescription.load(from: found)
        guard !files.isEmpty else {
            throw DataError(.noUsableStream, file: url.path, "expected CSV files, found none")
        }
        return try files.map { try GenericCSVImporter.importFile(at: $0, description: description) }
    }

    /// `root` itself when it is an E4 export, else E4 exports one or two levels down, sorted by path.
    static func e4Folders(under root: URL) -> [URL] {
        if E4FolderImporter.isE4Folder(root) { return [root] }
        var found: [URL] = []
        for child in ImportFiles.subfolders(of: root) {
            if E4FolderImporter.isE4Folder(child) {
                found.append(child)
            } else {
                found += ImportFiles.subfolders(of: child).filter(E4FolderImporter.isE4Folder)
            }
        }
        return found
    }

    private static func relativeComponents(of folder: URL, under root: URL) -> [String] {
        let rootParts = root.standardizedFileURL.pathComponents, parts = folder.standardizedFileURL.pathComponents
        guard parts.count > rootParts.count, Array(parts.prefix(rootParts.count)) == rootParts else { return [] }
        return Array(parts.dropFirst(rootParts.count))
    }
}
