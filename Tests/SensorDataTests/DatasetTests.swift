import Foundation
import Testing
@testable import SensorData

@Suite struct DatasetTests {
    /// `seconds` of PPG (value = sample index), accelerometer, temperature and a 1 Hz heart-rate stream;
    /// activity class 2 for the first half, 3 after.
    static func rampRecording(subject: String, seconds: Int) -> Recording {
        let ppg = SensorStream(name: "ppg", samplingRate: 64, channelNames: ["bvp"], unit: "a.u.",
                               samples: (0..<(seconds * 64)).map { Float($0) })
        let acc = SensorStream(name: "acc", samplingRate: 32, channelNames: ["x", "y", "z"], unit: "g",
                               samples: (0..<(seconds * 96)).map { Float($0 % 7) * 0.1 }, validRange: -2...2)
        let temp = SensorStream(name: "temp", samplingRate: 4, channelNames: ["temp"], unit: "°C",
                                samples: (0..<(seconds * 4)).map { 33 + Float($0) * 0.001 })
        let hr = SensorStream(name: "hr", samplingRate: 1, channelNames: ["hr"], unit: "bpm",
                              samples: (0..<seconds).map { Float(60 + $0) })
        let activity = LabelTrack(name: "activity", samplingRate: 4, classNames: SyntheticActivity.labelNames,
                                  codes: (0..<(seconds * 4)).map { $0 < seconds * 2 ? 2 : 3 })
        return Recording(subjectID: subject, sessionID: "s", startTime: 0, streams: [ppg, acc, temp, hr], labelTracks: [activity])
    }

    static let windowing = WindowingConfiguration(windowSeconds: 30, strideSeconds: 10, modalities: WindowingConfiguration.wristModalities,
                                                  labels: WindowingConfiguration.cohortLabels)

    @Test func sha256MatchesTheStandardTestVectors() {
        #expect(SHA256.hexDigest(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hexDigest(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var pieces = SHA256()
        for chunk in stride(from: 0, to: million.count, by: 999) { pieces.update(million[chunk..<min(million.count, chunk + 999)]) }
        #expect(pieces.finalize().map { String(format: "%02x", $0) }.joined() == SHA256.hexDigest(million))
    }

    @Test func windowsAreCutBySecondsAndLabelledByMajorityAndMean() throws {
        let recording = Self.rampRecording(subject: "a", seconds: 100)
        var set = try WindowExtractor.emptySet(like: recording, configuration: Self.windowing)
        var report = WindowQualityReport()
        try WindowExtractor.extract(recording, configuration: Self.windowing, into: &set, report: &report)
        #expect(set.windowCount == 8)
        #expect(report.windowsConsidered == 8 && report.windowsKept == 8)
        #expect(set.layout("ppg")?.samplesPerWindow == 1920 && set.layout("acc")?.samplesPerWindow == 960)
        for k in 0..<8 {
            #expect(set.values["ppg"]![k * 1920] == Float(k * 640))
            #expect(set.startSeconds[k] == Float(k * 10))
            #expect(set.valueLabels["heart_rate"]![k] == Float(60 + k * 10) + 14.5)
        }
        // Class 2 until 50 s: the window 30-60 s holds 20 s of it, the window 40-70 s only 10 s.
        #expect(set.classLabels["activity"]! == [2, 2, 2, 2, 3, 3, 3, 3])
        #expect(set.classLabels["arousal"]! == Array(repeating: -1, count: 8))
    }

    @Test func qualityFilterCountsMissingFlatAndClippedWindows() throws {
        var recording = Self.rampRecording(subject: "a", seconds: 100)
        for i in (5 * 64)..<(15 * 64) { recording.streams["ppg"]!.samples[i] = .nan }
        for i in (45 * 64)..<(55 * 64) { recording.streams["ppg"]!.samples[i] = 7 }
        for i in (85 * 96)..<(95 * 96) { recording.streams["acc"]!.samples[i] = 2 }
        var set = try WindowExtractor.emptySet(like: recording, configuration: Self.windowing)
        var report = WindowQualityReport()
        try WindowExtractor.extract(recording, configuration: Self.windowing, into: &set, report: &report)
        // NaN 5-15 s: 10 s or 5 s of the windows at 0 and 10 (> 10 %). Flat PPG 45-55 s: 10 s (33 %) of the
        // windows at 30 and 40, only 5 s (17 % <= 20 %) of those at 20 and 50. Acceleration stuck at +2 g in
        // 85-95 s: clipped in the windows at 60 (5 s, 17 % > 5 %) and 70 (10 s), and also flat in 70 (33 %).
        #expect(report.rejections == ["ppg.missing": 2, "ppg.flat": 2, "acc.clipped": 2, "acc.flat": 1])
        #expect(report.windowsConsidered == 8 && report.windowsRejected == 6 && report.windowsKept == 2)
        #expect(set.startSeconds == [20, 50])
    }

    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sensorfm-dataset-tests-\(UUID().uuidString)")
    }

    @Test func shardsRoundTripAndTheManifestDescribesThem() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = SyntheticCohort.Configuration(subjects: 2, hours: 180.0 / 3600, seed: 4, schedule: .balanced(segmentSeconds: 30))
        let manifest = try SyntheticCohort.writeDataset(configuration, windowing: Self.windowing, to: folder.appendingPathComponent("data"),
                                                        windowsPerShard: 10)
        let (loaded, read) = try DatasetReader.load(from: folder.appendingPathComponent("data"))
        #expect(read == manifest)
        #expect(manifest.subjects == ["syn001", "syn002"] && manifest.windows == 32 && manifest.shards.count == 4)
        #expect(manifest.modalities.map(\.samplesPerWindow) == [1920, 960, 120] && manifest.source["seed"] == "4")
        var expected = try WindowExtractor.emptySet(like: SyntheticCohort.generate(configuration)[0], configuration: Self.windowing)
        var report = WindowQualityReport()
        for recording in SyntheticCohort.generate(configuration) {
            try WindowExtractor.extract(recording, configuration: Self.windowing, into: &expected, report: &report)
        }
        #expect(loaded.windowCount == expected.windowCount)
        for name in ["ppg", "acc", "temp"] { #expect(loaded.values[name]!.map(\.bitPattern) == expected.values[name]!.map(\.bitPattern)) }
        #expect(loaded.classLabels == expected.classLabels && loaded.subjectIndices == expected.subjectIndices)
        #expect(loaded.valueLabels["heart_rate"]! == expected.valueLabels["heart_rate"]!)
        #expect(manifest.quality.windowsKept == 32 && manifest.quality.windowsConsidered == report.windowsConsidered)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["data"], "no temporary folder left behind: \(files)")
    }

    @Test func aTamperedOrTruncatedShardIsNamedInTheError() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = SyntheticCohort.Configuration(subjects: 1, hours: 120.0 / 3600, seed: 2, schedule: .balanced(segmentSeconds: 30))
        try SyntheticCohort.writeDataset(configuration, windowing: Self.windowing, to: folder, windowsPerShard: 5)
        let shard = folder.appendingPathComponent("shard-00001.safetensors")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: shard)
        do {
            _ = try DatasetReader.load(from: folder)
            Issue.record("a tampered shard loaded")
        } catch let error as DataError {
            #expect(error.kind == .corruptFile && error.file.hasSuffix("shard-00001.safetensors") && error.message.contains("SHA-256"))
        }
        try bytes.prefix(bytes.count - 100).write(to: shard)
        do {
            _ = try DatasetReader.load(from: folder)
            Issue.record("a truncated shard loaded")
        } catch let error as DataError {
            #expect(error.kind == .corruptFile && error.file.hasSuffix("shard-00001.safetensors"))
        }
    }

    @Test func aFailedWriteLeavesNothingBehind() throws {
        let folder = Self.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var incomplete = Self.rampRecording(subject: "b", seconds: 60)
        incomplete.streams["temp"] = nil
        do {
            let writer = try DatasetWriter(configuration: Self.windowing, destination: folder.appendingPathComponent("data"))
            try writer.add(Self.rampRecording(subject: "a", seconds: 60))
            try writer.add(incomplete)
            Issue.record("a recording without temperature was accepted")
        } catch let error as DataError {
            #expect(error.kind == .missingModality && error.message.contains("temp"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func aMalformedManifestIsAnErrorNamingTheFile() {
        for text in ["{", "{\"schema_version\": 1}", "[]"] {
            #expect {
                _ = try DatasetManifest.decode(Data(text.utf8), file: "x/manifest.json")
            } throws: { error in
                (error as? DataError)?.kind == .invalidDescription && (error as? DataError)?.file == "x/manifest.json"
            }
        }
    }

    @Test func splitsNeverShareASubject() throws {
        let subjects = (1...10).map { "s\($0)" }
        let split = SubjectSplit(subjects: subjects, validationFraction: 0.2, testFraction: 0.2, seed: 3)
        #expect(split.train.count == 6 && split.validation.count == 2 && split.test.count == 2)
        #expect(Set(split.train + split.validation + split.test) == Set(subjects))
        #expect(Set(split.train).isDisjoint(with: split.test) && Set(split.train).isDisjoint(with: split.validation)
                && Set(split.validation).isDisjoint(with: split.test))
        #expect(split != SubjectSplit(subjects: subjects, validationFraction: 0.2, testFraction: 0.2, seed: 4))
        let folds = SubjectSplit.leaveSubjectsOutFolds(subjects: subjects, folds: 3, seed: 1)
        #expect(folds.flatMap(\.test).sorted() == subjects.sorted())
        for fold in folds { #expect(Set(fold.train).isDisjoint(with: fold.test) && fold.train.count + fold.test.count == 10) }

        var set = try WindowExtractor.emptySet(like: Self.rampRecording(subject: "s1", seconds: 60), configuration: Self.windowing)
        var report = WindowQualityReport()
        for subject in subjects {
            try WindowExtractor.extract(Self.rampRecording(subject: subject, seconds: 60), configuration: Self.windowing, into: &set, report: &report)
        }
        let train = set.subset(subjects: Set(split.train)), test = set.subset(subjects: Set(split.test))
        let trainSubjects = Set((0..<train.windowCount).map { train.subject(ofWindow: $0) })
        let testSubjects = Set((0..<test.windowCount).map { test.subject(ofWindow: $0) })
        #expect(trainSubjects == Set(split.train) && testSubjects == Set(split.test))
        #expect(train.windowCount == 6 * 4 && test.windowCount == 2 * 4)
    }
}
