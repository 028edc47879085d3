import Foundation
import Testing
@testable import SensorData

/// A WESAD subject folder `SX` with a 30 min TEMP.csv at 1 Hz (E4 start 1500000000) and, when
/// `quest` is given, `SX_quest.csv`.
func writeWESADSubject(_ temporary: TemporaryFolder, root: String, subject: String, quest: String?, seconds: Int = 1800) throws {
    var temperature = "1500000000.000000\n1.000000\n"
    for second in 0..<seconds { temperature += String(format: "%.2f\n", 32 + Double(second % 50) * 0.01) }
    try temporary.write("\(root)/\(subject)/\(subject)_E4_Data/TEMP.csv", temperature)
    try temporary.write("\(root)/\(subject)/\(subject)_E4_Data/tags.csv", "")
    if let quest { try temporary.write("\(root)/\(subject)/\(subject)_quest.csv", quest) }
}

/// Protocol rows in WESAD's layout; times are minutes.seconds.
let questText = """
    # Subj;S2;;;;;
    # ORDER;Base;TSST;Fun;Medi 1;sRead;;
    # START;0.30;7.08;13;16.1;21.05;;
    # END;5.50;12.15;15.45;20.0;22.10;;
    ;;;;;;
    # PANAS;1;2;3;4;5;;

    """

@Suite struct ImportWESADTests {
    @Test func questTimesAreMinutesDotSeconds() throws {
        let text = "# ORDER;Base;TSST;Medi 1\n# START;7.08;39.55;70.19\n# END;26.32;50.3;77.10\n"
        let conditions = try WESADQuestReader.parse(data: Data(text.utf8), source: "S2_quest.csv")
        #expect(conditions.map(\.name) == ["Base", "TSST", "Medi 1"])
        // 7.08 = 7 min 8 s; 50.3 = 50 min 30 s (a trailing zero dropped); 77.10 = 77 min 10 s.
        #expect(conditions.map(\.start) == [428, 2395, 4219])
        #expect(conditions.map(\.end) == [1592, 3030, 4630])
        #expect(conditions.map(\.startLine) == [2, 2, 2] && conditions.map(\.endLine) == [3, 3, 3])
    }

    @Test func conditionsMapToStudyLabels() {
        #expect(["Base", "TSST", "Fun", "Medi 1", "Medi 2", "sRead", "bRead"].map(WESADQuestReader.label(forCondition:))
                == ["baseline", "stress", "amusement", "meditation", "meditation", "sRead", "bRead"])
    }

    @Test func subjectsImportWithConditionLabelsFromTheE4Start() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writeWESADSubject(temporary, root: "WESAD", subject: "S2", quest: questText)
        try writeWESADSubject(temporary, root: "WESAD", subject: "S10", quest: nil)
        try temporary.write("WESAD/wesad_readme.pdf", "not a subject")
        let root = temporary.url.appendingPathComponent("WESAD")
        #expect(try RecordingImporter.detectFormat(at: root) == .wesad)
        let recordings = try RecordingImporter.importRecordings(at: root, format: nil, csvDescription: nil)
        #expect(recordings.map(\.subjectID) == ["S2", "S10"])
        let labels = recordings[0].labels
        #expect(labels.map(\.label) == ["baseline", "stress", "amusement", "meditation", "sRead"])
        #expect(labels.map(\.start) == [30, 428, 780, 970, 1265])
        #expect(labels.map(\.end) == [350, 735, 945, 1200, 1330])
        #expect(recordings[0].startTime == 1_500_000_000)
        #expect(recordings[0].notes.contains { $0.contains("minutes.seconds") && $0.contains("double tap") })
        #expect(recordings[1].labels.isEmpty && recordings[1].notes.contains { $0.contains("no S10_quest.csv") })
        let codes = recordings[0].labelCodes(forStream: "temp", classNames: ["baseline", "stress"])
        #expect(codes[29] == -1 && codes[30] == 0 && codes[349] == 0 && codes[350] == -1 && codes[428] == 1)
    }

    @Test func shippedWESADSampleImports() throws {
        let recordings = try RecordingImporter.importRecordings(at: samplesFolder().appendingPathComponent("wesad"), format: nil, csvDescription: nil)
        #expect(recordings.map(\.subjectID) == ["S2"])
        let conditions = recordings[0].labels.filter { $0.label != "tag" }
        #expect(conditions == [LabelInterval(start: 1, end: 4, label: "baseline", sourceLine: 4),
                               LabelInterval(start: 5, end: 8, label: "stress", sourceLine: 4),
                               LabelInterval(start: 9, end: 11, label: "meditation", sourceLine: 4)])
    }

    @Test func singleSubjectFolderIsAlsoWESAD() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writeWESADSubject(temporary, root: "root", subject: "S5", quest: questText)
        let subject = temporary.url.appendingPathComponent("root/S5")
        #expect(try RecordingImporter.detectFormat(at: subject) == .wesad)
        let recordings = try RecordingImporter.importRecordings(at: subject, format: .wesad, csvDescription: nil)
        #expect(recordings.count == 1 && recordings[0].subjectID == "S5" && recordings[0].labels.count == 5)
    }

    @Test func zippedE4DataAsksToUnzip() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("W/S3/S3_E4_Data.zip", "PK")
        expectDataError(.noUsableStream, file: "S3", line: nil, containing: ["unzip it into S3_E4_Data/"]) {
            _ = try RecordingImporter.importRecordings(at: temporary.url.appendingPathComponent("W"), format: nil, csvDescription: nil)
        }
    }

    @Test func conditionEndingAfterTheRecordingNamesTheEndRow() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        // The recording lasts 600 s; TSST ends at 12 min 15 s.
        try writeWESADSubject(temporary, root: "W", subject: "S4", quest: questText, seconds: 600)
        expectDataError(.labelOutsideRecording, file: "S4_quest.csv", line: 4, containing: ["stress", "735"]) {
            _ = try WESADImporter.importRoot(at: temporary.url.appendingPathComponent("W"))
        }
    }
}
