import Foundation
import SensorData
import Testing
@testable import SensorRun

/// A config uses the modalities its model names: one the dataset lacks is an error naming the modality
/// and the dataset, windows lacking one are left out, and the dataset's other modalities are not batched.
@Suite struct RunDataModalityTests {
    /// An imported dataset of four 90 s recordings with ppg, acc and eda; `noEDA` of them lack eda.
    /// With `planned` false the windowing is given by hand, with eda allowed to be absent everywhere.
    static func importedDataset(noEDA: Set<String>, planned: Bool = true) throws -> URL {
        func stream(_ name: String, _ rate: Double, _ channels: [String], phase: Int) -> SensorStream {
            let count = Int(90 * rate) * channels.count
            return SensorStream(name: name, samplingRate: rate, channelNames: channels, unit: "u",
                                samples: (0..<count).map { Float((($0 + phase) * 7) % 13) })
        }
        let recordings = ["p1", "p2", "p3", "p4"].enumerated().map { index, subject in
            var streams = [stream("ppg", 64, ["bvp"], phase: index), stream("acc", 32, ["x", "y", "z"], phase: index)]
            if !noEDA.contains(subject) { streams.append(stream("eda", 4, ["eda"], phase: index)) }
            return Recording(subjectID: subject, sessionID: "s", startTime: 0, streams: streams)
        }
        let windowing = planned
            ? try ImportWindowing.plan(for: recordings, windowSeconds: 30, strideSeconds: 10, source: "test").configuration
            : WindowingConfiguration(windowSeconds: 30, strideSeconds: 10, modalities: [
                ModalitySpecification(name: "ppg", samplingRate: 64),
                ModalitySpecification(name: "eda", samplingRate: 4, checksFlatness: false, allowsAbsence: true, channelNames: ["eda"], unit: "µS"),
            ], labels: [])
        let directory = RunTestSupport.temporaryDirectory("imported").appendingPathComponent("dataset")
        let writer = try DatasetWriter(configuration: windowing, destination: directory)
        for recording in recordings { try writer.add(recording) }
        try writer.finish(source: ["kind": "test"])
        return directory
    }

    static func prepare(_ directory: URL, patches: String) throws -> RunData {
        try RunData.prepare(try RunTestSupport.configuration(["data={path: \(directory.path)}", "model.patches=\(patches)",
                                                              "split={validation_fraction: 0.25, seed: 0}",
                                                              "training.validation_interval=0"]))
    }

    @Test func aModalityTheDatasetLacksNamesModalityAndDataset() throws {
        let directory = try Self.importedDataset(noEDA: [])
        do {
            _ = try Self.prepare(directory, patches: "{ppg: 1, acc: 1, temp: 5}")
            Issue.record("a config needing temp ran on a dataset without it")
        } catch let error as ConfigError {
            #expect(error.path == "model.patches.temp")
            #expect(error.message.contains("\"temp\"") && error.message.contains(directory.path), "\(error.message)")
        }
    }

    @Test func aModalityAbsentFromEveryWindowIsAnError() throws {
        // No recording has eda: an import leaves it out, so it is unknown to the dataset.
        let imported = try Self.importedDataset(noEDA: ["p1", "p2", "p3", "p4"])
        #expect(try !DatasetReader.manifest(at: imported).modalities.contains { $0.name == "eda" })
        #expect(throws: ConfigError.self) { _ = try Self.prepare(imported, patches: "{ppg: 1, eda: 1}") }
        // A dataset that lists eda but has it in no window.
        let directory = try Self.importedDataset(noEDA: ["p1", "p2", "p3", "p4"], planned: false)
        #expect(try DatasetReader.manifest(at: directory).modalities.first { $0.name == "eda" }?.absentWindows == 28)
        do {
            _ = try Self.prepare(directory, patches: "{ppg: 1, eda: 1}")
            Issue.record("a config needing eda ran on a dataset without eda in any window")
        } catch let error as ConfigError {
            #expect(error.path == "model.patches.eda" && error.kind == .inconsistent)
            #expect(error.message.contains("absent from every window") && error.message.contains(directory.path), "\(error.message)")
        }
    }

    @Test func windowsLackingANeededModalityAreLeftOut() throws {
        let directory = try Self.importedDataset(noEDA: ["p2"])
        let manifest = try DatasetReader.manifest(at: directory)
        // 90 s, 30 s windows every 10 s: 7 per recording; p2's are without eda.
        #expect(manifest.windows == 28 && manifest.modalities.first { $0.name == "eda" }?.absentWindows == 7)
        let withEDA = try Self.prepare(directory, patches: "{ppg: 1, eda: 1}")
        let all = withEDA.train.windowCount + withEDA.validation.windowCount
        #expect(all == 21)
        #expect(withEDA.train.modalities.map(\.name) == ["ppg", "eda"])
        #expect(withEDA.train.absentCount("eda") == 0 && withEDA.validation.absentCount("eda") == 0)
        let trainSubjects = Set((0..<withEDA.train.windowCount).map { withEDA.train.subject(ofWindow: $0) })
        #expect(!trainSubjects.contains("p2"))
        // Without eda in the model, every window is used and acc is not batched.
        let ppgOnly = try Self.prepare(directory, patches: "{ppg: 1}")
        #expect(ppgOnly.train.windowCount + ppgOnly.validation.windowCount == 28)
        #expect(ppgOnly.train.modalities.map(\.name) == ["ppg"])
    }
}
