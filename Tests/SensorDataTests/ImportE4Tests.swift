import Foundation
import Testing
@testable import SensorData

/// Writes a small E4 export into `folder` (relative to `temporary`): start 1600000000 (HR 10 s later,
/// BVP 0.5 s later), ACC in 1/64 g, a tag at +1.25 s, two beats, an extra GYRO.csv and a CSV that is
/// not in E4 layout.
func writeE4Export(_ temporary: TemporaryFolder, at folder: String) throws {
    try temporary.write("\(folder)/ACC.csv", "1600000000.000000, 1600000000.000000, 1600000000.000000\n32.000000, 32.000000, 32.000000\n-64,0,64\n32,-32,0\n")
    try temporary.write("\(folder)/BVP.csv", "1600000000.500000\n64.000000\n1.5\n-2.25\n")
    try temporary.write("\(folder)/TEMP.csv", "1600000000.000000\n4.000000\n33.15\n33.17\n")
    try temporary.write("\(folder)/EDA.csv", "1600000000.000000\n4.000000\n0.000000\n0.120\n")
    try temporary.write("\(folder)/HR.csv", "1600000010.000000\n1.000000\n70.00\n71.5\n")
    try temporary.write("\(folder)/IBI.csv", "1600000000.000000, IBI\n12.5,0.8\n13.3,0.8\n")
    try temporary.write("\(folder)/tags.csv", "1600000001.25\n")
    try temporary.write("\(folder)/GYRO.csv", "1600000000,1600000000,1600000000\n8,8,8\n1,2,3\n")
    try temporary.write("\(folder)/notes.csv", "when,what\nmorning,coffee\n")
    try temporary.write("\(folder)/info.txt", "Empatica E4 export\n")
}

/// `Datasets/samples/` of this repository.
func samplesFolder() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Datasets/samples")
}

@Suite struct ImportE4Tests {
    @Test func signalFileParsesHeaderRowsAndRowMajorValues() throws {
        let data = Data("1600000000.000000, 1600000000.000000\n32.000000, 32.000000\n1,-2\n3.5,4e1\n".utf8)
        let table = try E4CSVReader.parse(data: data, source: "X.csv")
        #expect(table.startTime == 1_600_000_000)
        #expect(table.samplingRate == 32)
        #expect(table.columnCount == 2 && table.rowCount == 2)
        #expect(table.values == [1, -2, 3.5, 40])
    }

    @Test func windowsLineEndingsBlankLinesAndByteOrderMarkAreAccepted() throws {
        let data = Data([0xEF, 0xBB, 0xBF] + Array("1600000000\r\n64\r\n1.25\r\n\r\n-0.5\r\n".utf8))
        let table = try E4CSVReader.parse(data: data, source: "BVP.csv")
        #expect(table.values == [1.25, -0.5])
    }

    @Test func numbersParseExactlyLikeTheStandardLibrary() throws {
        let cells = ["0", "-0.0", "12.000000", "0.046875", "-123.456", "1e-3", "6.02214076E23", "0.1234567890123456789",
                     "12345678901234567890", "+7.5", ".5", "5."]
        let text = "0\n1\n" + cells.joined(separator: "\n") + "\n"
        let table = try E4CSVReader.parse(data: Data(text.utf8), source: "N.csv")
        #expect(table.values == cells.map { Float(Double($0.hasPrefix(".") ? "0" + $0 : $0)!) })
    }

    @Test func exportFolderBecomesOneRecordingWithStandardStreams() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writeE4Export(temporary, at: "1600000000_A01234")
        let recording = try E4FolderImporter.importFolder(at: temporary.url.appendingPathComponent("1600000000_A01234"),
                                                          subjectID: "P1", sessionID: "day1")
        #expect(recording.startTime == 1_600_000_000)
        #expect(recording.streamNames == ["acc", "eda", "gyro", "hr", "ibi", "ppg", "temp"])
        let acc = try #require(recording.streams["acc"])
        #expect(acc.unit == "g" && acc.channelNames == ["x", "y", "z"] && acc.samplingRate == 32)
        #expect(acc.samples == [-1, 0, 1, 0.5, -0.5, 0])
        let ppg = try #require(recording.streams["ppg"])
        #expect(ppg.samplingRate == 64 && ppg.startOffset == 0.5 && ppg.samples == [1.5, -2.25])
        #expect(recording.streams["temp"]?.samples == [33.15, 33.17] && recording.streams["temp"]?.unit == "°C")
        #expect(recording.streams["eda"]?.unit == "µS")
        #expect(recording.streams["hr"]?.startOffset == 10 && recording.streams["hr"]?.samples == [70, 71.5])
        let ibi = try #require(recording.streams["ibi"])
        #expect(ibi.isEventStream && ibi.eventTimes == [12.5, 13.3] && ibi.samples == [0.8, 0.8])
        #expect(recording.streams["gyro"]?.channelNames == ["x", "y", "z"] && recording.streams["gyro"]?.samplingRate == 8)
        #expect(recording.labels == [LabelInterval(start: 1.25, end: 1.25, label: "tag", sourceLine: 1)])
        #expect(recording.duration == 13.3)
        #expect(recording.notes.contains { $0.contains("skipped notes.csv") })
    }

    @Test func formatDetectionFindsE4FoldersDirectlyAndNested() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writeE4Export(temporary, at: "S1/S1_E4")
        try writeE4Export(temporary, at: "S2/S2_E4")
        #expect(try RecordingImporter.detectFormat(at: temporary.url) == .e4)
        #expect(try RecordingImporter.detectFormat(at: temporary.url.appendingPathComponent("S1/S1_E4")) == .e4)
        let recordings = try RecordingImporter.importRecordings(at: temporary.url, format: nil, csvDescription: nil)
        #expect(recordings.map(\.subjectID) == ["S1", "S2"])
        #expect(recordings.map(\.sessionID) == ["S1_E4", "S2_E4"])
    }

    @Test func labelledCollectionGivesEachRecordingItsLabelAndSplit() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writeE4Export(temporary, at: "rec_a")
        try writeE4Export(temporary, at: "rec_b")
        try writeE4Export(temporary, at: "rec_unused")
        try temporary.write("labels.csv", "label,folder,split\nstress,rec_a,train\n\ncalm,rec_b,\n")
        #expect(try RecordingImporter.detectFormat(at: temporary.url) == .labelledCollection)
        let recordings = try RecordingImporter.importRecordings(at: temporary.url, format: nil, csvDescription: nil)
        #expect(recordings.map(\.sessionID) == ["rec_a", "rec_b"])
        #expect(recordings.map(\.recordingLabel) == ["stress", "calm"])
        #expect(recordings.map(\.split) == ["train", nil])
        #expect(recordings[0].notes.contains { $0.contains("rec_unused") })
    }

    @Test func shippedE4SampleImports() throws {
        let sample = samplesFolder().appendingPathComponent("e4")
        #expect(try RecordingImporter.detectFormat(at: sample) == .e4)
        let recordings = try RecordingImporter.importRecordings(at: sample, format: nil, csvDescription: nil)
        let recording = try #require(recordings.first)
        // 12 s written by Datasets/samples/make_samples.py; HR starts 10 s late; one tag at +3 s.
        #expect(recording.startTime == 1_700_000_000)
        #expect(recording.streams["ppg"]?.frameCount == 768 && recording.streams["acc"]?.frameCount == 384)
        #expect(recording.streams["temp"]?.frameCount == 48 && recording.streams["eda"]?.frameCount == 48)
        #expect(recording.streams["hr"]?.frameCount == 2 && recording.streams["hr"]?.startOffset == 10)
        #expect(recording.streams["ibi"]?.frameCount == 13)
        #expect(recording.labels.map(\.start) == [3])
    }

    /// Parses a BVP file of `SENSORFM_E4_BENCH_LINES` rows (default 200 000) and prints the rate;
    /// run it in release with 5 500 000 rows (24 h at 64 Hz) to measure the real throughput.
    @Test func largeFileParsesCompletelyAndReportsThroughput() throws {
        let rows = ProcessInfo.processInfo.environment["SENSORFM_E4_BENCH_LINES"].flatMap(Int.init) ?? 200_000
        var bytes = Array("1600000000.000000\n64.000000\n".utf8)
        bytes.reserveCapacity(rows * 8)
        for row in 0..<rows {
            bytes += Array(String(format: "%.2f\n", Double(row % 2000) * 0.25 - 250).utf8)
        }
        let data = Data(bytes)
        let clock = ContinuousClock()
        var table: E4CSVReader.SignalTable?
        let elapsed = try clock.measure { table = try E4CSVReader.parse(data: data, source: "BVP.csv") }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("E4CSVReader: \(rows) rows, \(data.count / 1_000_000) MB in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", Double(data.count) / 1e6 / seconds)) MB/s")
        #expect(table?.rowCount == rows)
        #expect(table?.values[1] == -249.75 && table?.values[rows - 1] == Float(Double((rows - 1) % 2000) * 0.25 - 250))
    }
}
