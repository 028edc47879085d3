import Foundation
import Testing
@testable import SensorData

/// Import scope: every regular stream becomes a modality at its own rate, a recording lacking one still
/// imports with the modality marked absent (NaN, never imputed), and the manifest says which.
@Suite struct ImportModalityTests {
    /// A regular stream of `seconds` at `rate` with values that vary from frame to frame.
    static func stream(_ name: String, rate: Double, channels: [String], seconds: Int) -> SensorStream {
        let count = Int(Double(seconds) * rate) * channels.count
        return SensorStream(name: name, samplingRate: rate, channelNames: channels, unit: "u",
                            samples: (0..<count).map { Float(($0 * 7) % 13) })
    }

    @Test func extraStreamsBecomeModalitiesAtTheirOwnRates() throws {
        let full = Recording(subjectID: "a", sessionID: "s", startTime: 0, streams: [
            Self.stream("ppg", rate: 64, channels: ["bvp"], seconds: 4),
            Self.stream("gyro", rate: 50, channels: ["x", "y", "z"], seconds: 4),
            Self.stream("eda", rate: 4, channels: ["eda"], seconds: 4),
            Self.stream("hr", rate: 1, channels: ["hr"], seconds: 4),
        ])
        let noEDA = Recording(subjectID: "b", sessionID: "s", startTime: 0, streams: [
            Self.stream("ppg", rate: 64, channels: ["bvp"], seconds: 4),
            Self.stream("gyro", rate: 50, channels: ["x", "y", "z"], seconds: 4),
        ])
        let plan = try ImportWindowing.plan(for: [full, noEDA], windowSeconds: 2, strideSeconds: 1, source: "src")
        let modalities = plan.configuration.modalities
        // Leading names first, then the rest by name; hr feeds the heart_rate label, not the inputs.
        #expect(modalities.map(\.name) == ["ppg", "eda", "gyro"])
        #expect(modalities.map(\.samplingRate) == [64, 4, 50])
        #expect(modalities.map(\.checksFlatness) == [true, false, true])
        #expect(modalities.allSatisfy { $0.allowsAbsence })
        #expect(modalities[2].channelNames == ["x", "y", "z"])
        #expect(plan.configuration.labels == [.streamMean(name: "heart_rate", stream: "hr", unit: "bpm")])
        #expect(plan.notes.count == 1 && plan.notes[0].contains("eda") && plan.notes[0].contains("b/s"))
    }

    @Test func aModalityAtAnotherRateIsAbsentThere() throws {
        let fast = Recording(subjectID: "a", sessionID: "s", startTime: 0, streams: [Self.stream("temp", rate: 4, channels: ["t"], seconds: 4)])
        let slow = Recording(subjectID: "b", sessionID: "s", startTime: 0, streams: [Self.stream("temp", rate: 1, channels: ["t"], seconds: 4)])
        let plan = try ImportWindowing.plan(for: [fast, slow, fast], windowSeconds: 2, strideSeconds: 1, source: "src")
        #expect(plan.configuration.modalities.map(\.samplingRate) == [4])
        #expect(plan.notes == ["modality temp at 4 Hz absent from 1 recording(s), marked absent in their windows (b/s at 1 Hz)"])
        // A tie between rates keeps the faster one.
        #expect(ImportWindowing.commonRate([1, 4]) == 4 && ImportWindowing.commonRate([1, 1, 4]) == 1)
    }

    @Test func aStreamTheWindowDoesNotFitIsLeftOutWithANote() throws {
        let recording = Recording(subjectID: "a", sessionID: "s", startTime: 0, streams: [
            Self.stream("ppg", rate: 64, channels: ["bvp"], seconds: 4),
            Self.stream("odd", rate: 0.3, channels: ["v"], seconds: 40),
        ])
        let plan = try ImportWindowing.plan(for: [recording], windowSeconds: 2, strideSeconds: 1, source: "src")
        #expect(plan.configuration.modalities.map(\.name) == ["ppg"])
        #expect(plan.notes.count == 1 && plan.notes[0].contains("odd") && plan.notes[0].contains("left out"))
    }

    @Test func windowsOfARecordingLackingAModalityMarkItAbsent() throws {
        let full = Recording(subjectID: "a", sessionID: "s", startTime: 0, streams: [
            Self.stream("ppg", rate: 64, channels: ["bvp"], seconds: 4), Self.stream("eda", rate: 4, channels: ["eda"], seconds: 4),
        ])
        let noEDA = Recording(subjectID: "b", sessionID: "s", startTime: 0, streams: [Self.stream("ppg", rate: 64, channels: ["bvp"], seconds: 4)])
        let plan = try ImportWindowing.plan(for: [noEDA, full], windowSeconds: 2, strideSeconds: 1, source: "src")
        // The recording without eda comes first: the layout's channels come from the plan, not from it.
        var set = try WindowExtractor.emptySet(like: noEDA, configuration: plan.configuration)
        var report = WindowQualityReport()
        for recording in [noEDA, full] {
            try WindowExtractor.extract(recording, configuration: plan.configuration, into: &set, report: &report)
        }
        // 4 s, 2 s windows every 1 s: starts 0, 1, 2 for each recording, none rejected.
        #expect(set.windowCount == 6 && report.windowsRejected == 0)
        #expect(set.layout("eda")?.channelNames == ["eda"])
        #expect(set.present["eda"] == [false, false, false, true, true, true])
        #expect(set.present["ppg"] == Array(repeating: true, count: 6))
        #expect(set.absentCount("eda") == 3)
        let eda = try #require(set.values["eda"])
        #expect(eda[0..<24].allSatisfy { $0.isNaN })
        // Window 3 is recording a's first: its first 8 eda frames.
        #expect(Array(eda[24..<32]) == Array(full.streams["eda"]!.samples[0..<8]))
        #expect(set.windowIndices(havingAll: ["ppg", "eda"]) == [3, 4, 5])
        let ppgOnly = set.keeping(modalities: ["ppg", "absent-name"])
        #expect(ppgOnly.modalities.map(\.name) == ["ppg"] && ppgOnly.values.keys.sorted() == ["ppg"] && ppgOnly.windowCount == 6)
        let subset = set.subset(windows: [4, 0])
        #expect(subset.present["eda"] == [true, false])
    }

    @Test func aRequiredModalityStaysAnErrorWhenMissing() {
        var configuration = WindowingConfiguration.standard
        configuration.labels = []
        let noTemperature = Recording(subjectID: "a", sessionID: "s", startTime: 0, streams: [
            Self.stream("ppg", rate: 64, channels: ["bvp"], seconds: 40), Self.stream("acc", rate: 32, channels: ["x", "y", "z"], seconds: 40),
        ])
        var set = WindowSet(windowSeconds: 30, strideSeconds: 10, modalities: [], labelSchema: [])
        var report = WindowQualityReport()
        let error = captureDataError {
            try WindowExtractor.extract(noTemperature, configuration: configuration, into: &set, report: &report)
        }
        #expect(error?.kind == .missingModality && error?.message.contains("temp") == true)
    }

    @Test func anE4ImportKeepsEDAAndGyroscopeAndRecordsAbsence() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DataCLITests.writeE4(in: folder, "study/S1/e4", seconds: 6)
        try DataCLITests.writeE4(in: folder, "study/S2/e4", seconds: 6)
        let header = "1700000000.0\n4.0\n"
        try folder.write("study/S1/e4/EDA.csv", header + (0..<24).map { "\(0.5 + Double($0 % 7) * 0.01)" }.joined(separator: "\n") + "\n")
        let gyroHeader = "1700000000.0, 1700000000.0, 1700000000.0\n16.0, 16.0, 16.0\n"
        for subject in ["S1", "S2"] {
            try folder.write("study/\(subject)/e4/GYRO.csv", gyroHeader + (0..<96).map { "\($0 % 5),\($0 % 3),\($0 % 7)" }.joined(separator: "\n") + "\n")
        }
        let destination = folder.url.appendingPathComponent("out")
        let report = try ImportReport.importDataset(from: folder.url.appendingPathComponent("study"), format: .e4, csvDescription: nil,
                                                    to: destination, windowSeconds: 2, strideSeconds: 2)
        let manifest = report.dataset.manifest
        #expect(manifest.modalities.map(\.name) == ["ppg", "acc", "temp", "eda", "gyro"])
        #expect(manifest.modalities.map(\.samplingRate) == [64, 32, 4, 4, 16])
        // 6 s recordings, 2 s windows every 2 s: three each; S2 has no EDA.csv.
        #expect(manifest.windows == 6)
        let eda = try #require(manifest.modalities.first { $0.name == "eda" })
        #expect(eda.absentWindows == 3 && eda.absentRecordings == ["S2/e4"])
        #expect(manifest.modalities.filter { $0.name != "eda" }.allSatisfy { $0.absentWindows == 0 && $0.absentRecordings.isEmpty })
        #expect(report.notes.contains { $0.contains("eda") && $0.contains("S2/e4") })
        #expect(report.dataset.isIntact)
        #expect(report.dataset.description.contains("absent from 3 window(s) of 1 recording(s) (S2/e4)"))
        let (windows, _) = try DatasetReader.load(from: destination)
        #expect(windows.present["eda"] == [true, true, true, false, false, false])
        #expect(windows.present["gyro"] == Array(repeating: true, count: 6))
        // Three 8-sample eda windows of S1, then S2's three absent ones.
        #expect(windows.values["eda"]![0] == 0.5 && windows.values["eda"]![24..<48].allSatisfy { $0.isNaN })
        // The EDA statistics come from S1's 24 samples only: 0.5 + 0.01 · mean(i mod 7) = 0.5 + 0.01 · 66 / 24.
        #expect(abs(eda.mean[0] - 0.5275) < 1e-6)
    }

    @Test func aManifestWhoseAbsenceCountDisagreesWithTheShardsIsCorrupt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try DataCLITests.writeE4(in: folder, "study/S1/e4", seconds: 4)
        try DataCLITests.writeE4(in: folder, "study/S2/e4", seconds: 4)
        try folder.write("study/S1/e4/EDA.csv", "1700000000.0\n4.0\n" + (0..<16).map { "\(Double($0) * 0.1)" }.joined(separator: "\n") + "\n")
        let destination = folder.url.appendingPathComponent("out")
        _ = try ImportReport.importDataset(from: folder.url.appendingPathComponent("study"), format: .e4, csvDescription: nil,
                                           to: destination, windowSeconds: 2, strideSeconds: 2)
        let manifestURL = destination.appendingPathComponent(DatasetManifest.fileName)
        let text = try String(contentsOf: manifestURL, encoding: .utf8)
        #expect(text.contains("\"absent_windows\" : 2"))
        try Data(text.replacingOccurrences(of: "\"absent_windows\" : 2", with: "\"absent_windows\" : 1").utf8).write(to: manifestURL)
        let error = captureDataError { _ = try DatasetReader.load(from: destination) }
        #expect(error?.kind == .corruptFile && error?.file == manifestURL.path && error?.message.contains("eda") == true)
    }

    @Test func aCSVDescriptionsExtraStreamIsAModality() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let yaml = """
            timestamp: {column: t, unit: s}
            streams:
              ppg: {columns: [green], rate: 4, unit: "a.u."}
              gyro: {columns: [gx, gy, gz], rate: 2, unit: "deg/s", channels: [x, y, z]}
            """
        let rows = (0..<16).map { row in
            let gyro = row % 2 == 0 ? "\(row),\(row + 1),\(row + 2)" : ",,"
            return "\(100 + Double(row) * 0.25),\(row % 5),\(gyro)"
        }
        try folder.write("walk.yaml", yaml)
        let file = try folder.write("walk.csv", "t,green,gx,gy,gz\n" + rows.joined(separator: "\n") + "\n")
        let report = try ImportReport.importDataset(from: file, format: .csv, csvDescription: nil,
                                                    to: folder.url.appendingPathComponent("out"), windowSeconds: 2, strideSeconds: 1)
        let manifest = report.dataset.manifest
        #expect(manifest.modalities.map(\.name) == ["ppg", "gyro"])
        #expect(manifest.modalities.map(\.samplesPerWindow) == [8, 4])
        #expect(manifest.modalities[1].channels == ["x", "y", "z"] && manifest.modalities[1].unit == "deg/s")
        #expect(manifest.windows > 0)
    }
}
