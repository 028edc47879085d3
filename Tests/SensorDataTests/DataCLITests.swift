import Foundation
import Testing
@testable import SensorData

/// The CLI-free parts of `sensorfm data`: argument checks, the import windowing plan, the import
/// pipeline with its atomic write, and the dataset inspection's counts and shard check.
@Suite struct DataCLITests {
    @Test func windowArgumentsAreChecked() {
        #expect(DataCommandArguments.windowProblem(windowSeconds: 30, strideSeconds: 10) == nil)
        #expect(DataCommandArguments.windowProblem(windowSeconds: 8, strideSeconds: 80) == nil)
        for (window, stride) in [(0.0, 10.0), (-1, 1), (.nan, 1), (.infinity, 1), (4000, 10), (30, 0), (30, -2), (8, 80.5), (30, .nan)] {
            let problem = DataCommandArguments.windowProblem(windowSeconds: window, strideSeconds: stride)
            #expect(problem != nil, "window \(window) stride \(stride) accepted")
        }
        #expect(DataCommandArguments.windowProblem(windowSeconds: 30, strideSeconds: 0)?.hasPrefix("--stride") == true)
        #expect(DataCommandArguments.windowProblem(windowSeconds: 0, strideSeconds: 1)?.hasPrefix("--window") == true)
    }

    @Test func synthArgumentsAreChecked() {
        #expect(DataCommandArguments.synthProblem(subjects: 2, hours: 0.25, threads: 2) == nil)
        // 30 s is 0.00833 h: the message's bound 0.009 must itself be accepted.
        #expect(DataCommandArguments.synthProblem(subjects: 1, hours: 0.009, threads: 1) == nil)
        #expect(DataCommandArguments.synthProblem(subjects: 1, hours: 0.008, threads: 1)?.contains("0.009") == true)
        #expect(DataCommandArguments.synthProblem(subjects: 0, hours: 1, threads: 1)?.hasPrefix("--subjects") == true)
        #expect(DataCommandArguments.synthProblem(subjects: 10_001, hours: 1, threads: 1)?.hasPrefix("--subjects") == true)
        #expect(DataCommandArguments.synthProblem(subjects: 1, hours: .nan, threads: 1)?.hasPrefix("--hours") == true)
        #expect(DataCommandArguments.synthProblem(subjects: 1, hours: 400, threads: 1)?.hasPrefix("--hours") == true)
        #expect(DataCommandArguments.synthProblem(subjects: 1, hours: 1, threads: 0)?.hasPrefix("--threads") == true)
    }

    @Test func formatNamesMapToLayouts() {
        #expect(DataCommandArguments.importFormat(named: "e4") == .e4)
        #expect(DataCommandArguments.importFormat(named: "WESAD") == .wesad)
        #expect(DataCommandArguments.importFormat(named: "csv") == .csv)
        #expect(DataCommandArguments.importFormat(named: "collection") == .labelledCollection)
        #expect(DataCommandArguments.importFormat(named: "e5") == nil)
    }

    @Test func outputFolderMustBeNewEmptyOrADataset() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(DataCommandArguments.outputProblem(folder.url.appendingPathComponent("new")) == nil)
        #expect(DataCommandArguments.outputProblem(try folder.folder("empty")) == nil)
        try folder.write("dataset/manifest.json", "{}")
        #expect(DataCommandArguments.outputProblem(folder.url.appendingPathComponent("dataset")) == nil)
        try folder.write("other/notes.txt", "keep me")
        #expect(DataCommandArguments.outputProblem(folder.url.appendingPathComponent("other"))?.contains("refusing") == true)
        let file = try folder.write("plain.txt", "x")
        #expect(DataCommandArguments.outputProblem(file)?.contains("names a file") == true)
    }

    @Test func planKeepsEveryModalityAndMarksWhereItIsAbsent() throws {
        let full = Self.recording("a", seconds: 4, temperatureRate: 4, label: "walk")
        let slowTemperature = Self.recording("b", seconds: 4, temperatureRate: 1, label: "rest")
        let plan = try ImportWindowing.plan(for: [full, slowTemperature], windowSeconds: 2, strideSeconds: 1, source: "src")
        #expect(plan.configuration.modalities.map(\.name) == ["ppg", "acc", "temp"])
        #expect(plan.configuration.modalities.map(\.samplingRate) == [64, 32, 4])
        #expect(plan.notes.count == 1 && plan.notes[0].contains("temp") && plan.notes[0].contains("b/s at 1 Hz"))
        #expect(plan.configuration.labels == [.majorityClass(name: "recording_label", classNames: ["rest", "walk"])])
        let prepared = ImportWindowing.prepared(slowTemperature, plan: plan)
        #expect(prepared.labelTracks["recording_label"]?.codes == [0, 0, 0, 0])
    }

    @Test func planRejectsDataWithoutRegularStreamsAndFractionalWindows() {
        let heartRateOnly = Recording(subjectID: "s", sessionID: "x", startTime: 0, streams: [
            SensorStream(name: "hr", samplingRate: 1, channelNames: ["hr"], unit: "bpm", samples: [Float](repeating: 60, count: 16)),
        ])
        expectDataError(.missingModality, file: "src", line: nil, containing: ["hr"]) {
            _ = try ImportWindowing.plan(for: [heartRateOnly], windowSeconds: 2, strideSeconds: 1, source: "src")
        }
        let full = Self.recording("a", seconds: 4, temperatureRate: 4, label: nil)
        expectDataError(.missingModality, file: "src", line: nil, containing: ["0.3 s", "ppg at 64 Hz needs a multiple of 1/64 s", "temp at 4 Hz needs a multiple of 1/4 s"]) {
            _ = try ImportWindowing.plan(for: [full], windowSeconds: 0.3, strideSeconds: 1, source: "src")
        }
    }

    @Test func importWritesACheckedDatasetWithLabelCounts() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Self.writeE4(in: folder, "collection/rec1", seconds: 8)
        try Self.writeE4(in: folder, "collection/rec2", seconds: 8)
        try folder.write("collection/labels.csv", "folder,label\nrec1,walk\nrec2,rest\n")
        let destination = folder.url.appendingPathComponent("out")
        let report = try ImportReport.importDataset(from: folder.url.appendingPathComponent("collection"), format: nil,
                                                    csvDescription: nil, to: destination, windowSeconds: 2, strideSeconds: 1)
        // 8 s recordings, 2 s windows every 1 s: starts 0 ... 6, seven windows each.
        #expect(report.recordings.format == .labelledCollection)
        #expect(report.dataset.manifest.windows == 14)
        #expect(report.dataset.isIntact)
        #expect(report.dataset.labels.first?.classCounts == ["rest": 7, "walk": 7])
        #expect(report.dataset.subjects.map(\.subject) == ["rec1", "rec2"])
        #expect(report.dataset.subjects[0].labelIntervals["recording_label"] == [LabelInterval(start: 0, end: 8, label: "walk")])
        #expect(report.description.contains("label recording_label: rest 7, walk 7"))
        let json = try JSONSerialization.jsonObject(with: DataJSON.encode(report.dataset)) as? [String: Any]
        #expect(json?["path"] as? String == destination.path)
    }

    @Test func failedImportLeavesNothingBehind() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Self.writeE4(in: folder, "export", seconds: 4)
        try folder.write("export/TEMP.csv", "1700000000\n4\n32.1\n32.2\nwarm\n")
        let destination = folder.url.appendingPathComponent("out")
        expectDataError(.nonNumericCell, file: folder.url.appendingPathComponent("export/TEMP.csv").path, line: 5) {
            _ = try ImportReport.importDataset(from: folder.url.appendingPathComponent("export"), format: .e4, csvDescription: nil,
                                               to: destination, windowSeconds: 2, strideSeconds: 1)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["export"])
    }

    @Test func inspectionReportsATamperedShard() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Self.writeE4(in: folder, "export", seconds: 6)
        let destination = folder.url.appendingPathComponent("out")
        _ = try ImportReport.importDataset(from: folder.url.appendingPathComponent("export"), format: nil, csvDescription: nil,
                                           to: destination, windowSeconds: 2, strideSeconds: 2)
        let shard = destination.appendingPathComponent("shard-00000.safetensors")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: shard)
        let inspection = try DatasetInspection(directory: destination)
        #expect(!inspection.isIntact)
        #expect(inspection.shards[0].problem?.contains("SHA-256") == true)
        #expect(inspection.firstProblem?.kind == .corruptFile)
        #expect(inspection.description.contains("FAILED"))
        // Without recomputing hashes (a dataset just written) the flipped byte goes unseen: sizes and shapes agree.
        let unhashed = try DatasetInspection(directory: destination, verifiesHashes: false)
        #expect(unhashed.isIntact && unhashed.description.contains("written, SHA-256 recorded"))
    }

    /// A recording with ppg 64 Hz, acc 32 Hz and temperature at `temperatureRate`, with varying values.
    static func recording(_ subject: String, seconds: Int, temperatureRate: Double, label: String?) -> Recording {
        func stream(_ name: String, _ rate: Double, _ channels: [String]) -> SensorStream {
            let count = Int(Double(seconds) * rate) * channels.count
            return SensorStream(name: name, samplingRate: rate, channelNames: channels, unit: "u",
                                samples: (0..<count).map { Float(($0 * 7) % 13) })
        }
        return Recording(subjectID: subject, sessionID: "s", startTime: 0,
                         streams: [stream("ppg", 64, ["bvp"]), stream("acc", 32, ["x", "y", "z"]), stream("temp", temperatureRate, ["t"])],
                         recordingLabel: label)
    }

    /// Writes ACC.csv, BVP.csv and TEMP.csv of an E4 export lasting `seconds`, with varying values.
    static func writeE4(in folder: TemporaryFolder, _ path: String, seconds: Int) throws {
        func file(_ columns: Int, rate: Int, value: (Int, Int) -> String) -> String {
            let header = [String](repeating: "1700000000.0", count: columns).joined(separator: ", ") + "\n"
                + [String](repeating: "\(rate).0", count: columns).joined(separator: ", ") + "\n"
            return header + (0..<(seconds * rate)).map { row in (0..<columns).map { value(row, $0) }.joined(separator: ",") }
                .joined(separator: "\n") + "\n"
        }
        try folder.write("\(path)/ACC.csv", file(3, rate: 32) { row, column in "\((row * 5 + column * 3) % 11 - 5)" })
        try folder.write("\(path)/BVP.csv", file(1, rate: 64) { row, _ in "\(Double((row * 7) % 17) - 8.5)" })
        try folder.write("\(path)/TEMP.csv", file(1, rate: 4) { row, _ in "\(32 + Double(row % 5) * 0.03)" })
    }
}
