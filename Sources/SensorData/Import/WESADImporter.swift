import Foundation

/// Imports the wrist (E4) part of WESAD: `root/S2 ... S17/SX_E4_Data/*.csv` with condition labels
/// from `root/SX/SX_quest.csv`. Any subset of subjects may be present; `root` may also be a single
/// subject folder.
///
/// Time alignment: the quest times count from the start of the chest (RespiBAN) recording; WESAD
/// synchronised the E4 and the RespiBAN by a double tap at the start of each session, so we place
/// them from the E4 start. This is an approximation of a few seconds at most; a note on every
/// recording says so.
public enum WESADImporter {
    /// Subject folders (`S` followed by digits) directly in `root`, in numeric order.
    static func subjectFolders(in root: URL) -> [URL] {
        ImportFiles.subfolders(of: root)
            .filter { isSubjectName($0.lastPathComponent) }
            .sorted { subjectNumber($0.lastPathComponent) < subjectNumber($1.lastPathComponent) }
    }

    /// Whether `folder` is a WESAD subject folder: named `S<digits>` and holding its E4 data or quest file.
    static func isSubjectFolder(_ folder: URL) -> Bool {
        let name = folder.lastPathComponent
        guard isSubjectName(name) else { return false }
        let manager = FileManager.default
        return ["\(name)_E4_Data", "\(name)_E4_Data.zip", "\(name)_quest.csv"].contains {
            manager.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }

    /// Imports every subject under `root` (or `root` itself when it is a subject folder).
    public static func importRoot(at root: URL) throws -> [Recording] {
        let subjects = isSubjectFolder(root) ? [root] : subjectFolders(in: root).filter(isSubjectFolder)
        guard !subjects.isEmpty else {
            throw DataError(.unrecognisedLayout, file: root.path,
                            "expected WESAD subject folders (S2 ... S17, each with SX_E4_Data/ and SX_quest.csv), found none")
        }
        return try subjects.map(importSubject)
    }

    /// Imports one subject folder `SX`.
    public static func importSubject(at folder: URL) throws -> Recording {
        let subject = folder.lastPathComponent
        let e4Folder = folder.appendingPathComponent("\(subject)_E4_Data")
        guard ImportFiles.isDirectory(e4Folder) else {
            let zip = folder.appendingPathComponent("\(subject)_E4_Data.zip")
            let hint = FileManager.default.fileExists(atPath: zip.path) ? "; \(zip.lastPathComponent) is present: unzip it into \(subject)_E4_Data/ first" : ""
            throw DataError(.noUsableStream, file: folder.path, "expected the E4 folder \(subject)_E4_Data/\(hint)")
        }
        var recording = try E4FolderImporter.importFolder(at: e4Folder, subjectID: subject, sessionID: "wesad")
        let quest = folder.appendingPathComponent("\(subject)_quest.csv")
        guard FileManager.default.fileExists(atPath: quest.path) else {
            recording.notes.append("no \(quest.lastPathComponent): no condition labels")
            return recording
        }
        let conditions = try WESADQuestReader.parse(data: try ImportFiles.read(quest), source: quest.path)
        let tags = recording.labels
        recording.labels = conditions.map {
            LabelInterval(start: $0.start, end: $0.end, label: WESADQuestReader.label(forCondition: $0.name), sourceLine: $0.endLine)
        }
        try recording.validateLabels(file: quest.path)
        recording.labels += tags
        recording.notes.append(
            "condition times from \(quest.lastPathComponent) read as minutes.seconds from the RespiBAN start and placed from the E4 start (devices synchronised by a double tap; a few seconds of offset are possible)")
        return recording
    }

    private static func isSubjectName(_ name: String) -> Bool {
        name.count >= 2 && name.first == "S" && name.dropFirst().allSatisfy(\.isASCII) && name.dropFirst().allSatisfy(\.isNumber)
    }

    private static func subjectNumber(_ name: String) -> Int { Int(name.dropFirst()) ?? Int.max }
}
