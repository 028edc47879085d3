import Foundation
import Testing
@testable import SensorData

@Suite struct RecordingTests {
    @Test func regularStreamMapsSampleIndicesToTimesAndBack() {
        let stream = SensorStream(name: "temp", samplingRate: 4, channelNames: ["t"], unit: "°C",
                                  samples: (0..<10).map(Float.init), startOffset: 0.5)
        #expect(stream.time(ofSample: 3) == 1.25)
        #expect(stream.endOffset == 3.0)
        #expect(stream.sampleIndex(atTime: 1.25) == 3)
        #expect(stream.sampleIndex(atTime: 1.37) == 3)   // 3.48 periods from the start
        #expect(stream.sampleIndex(atTime: 1.38) == 4)   // 3.52 periods
        #expect(stream.sampleIndex(atTime: 0.3) == nil)  // before frame 0 by more than half a period
        #expect(stream.sampleIndex(atTime: 3.0) == nil)  // past the last frame
    }

    @Test func interleavedSamplesGiveFramesAndChannels() {
        let stream = SensorStream(name: "acc", samplingRate: 32, channelNames: ["x", "y", "z"], unit: "g",
                                  samples: [1, 2, 3, 4, 5, 6])
        #expect(stream.frameCount == 2)
        #expect(Array(stream.frame(1)) == [4, 5, 6])
        #expect(stream.channel(1) == [2, 5])
    }

    @Test func eventStreamUsesItsEventTimes() {
        let stream = SensorStream(name: "ibi", eventTimes: [1, 2.5, 4], channelNames: ["interval"], unit: "s", samples: [0.8, 0.7, 0.9])
        #expect(stream.isEventStream)
        #expect(stream.time(ofSample: 2) == 4)
        #expect(stream.sampleIndex(atTime: 2.6) == 1)
        #expect(stream.sampleIndex(atTime: 0.5) == nil)
        #expect(stream.endOffset == 4)
    }

    @Test func intervalLabelsBecomePerFrameCodes() {
        let stream = SensorStream(name: "ppg", samplingRate: 2, channelNames: ["bvp"], unit: "a.u.", samples: Array(repeating: 0, count: 10))
        let recording = Recording(subjectID: "S1", sessionID: "a", startTime: 0, streams: [stream], labels: [
            LabelInterval(start: 0, end: 2, label: "baseline"),
            LabelInterval(start: 2.2, end: 3.6, label: "stress"),
            LabelInterval(start: 1, end: 1, label: "tag"),
        ])
        // Frames at 0, 0.5, ..., 4.5 s; intervals are closed at the start and open at the end.
        #expect(recording.labelCodes(forStream: "ppg", classNames: ["baseline", "stress"]) == [0, 0, 0, 0, -1, 1, 1, 1, -1, -1])
    }

    @Test func labelTrackRunsBecomeIntervals() {
        let track = LabelTrack(name: "activity", samplingRate: 1, classNames: ["rest", "walk"], codes: [-1, 0, 0, 1, -1])
        #expect(track.intervals() == [LabelInterval(start: 1, end: 3, label: "rest"), LabelInterval(start: 3, end: 4, label: "walk")])
    }

    @Test func requiredStreamThatIsMissingOrAtAnotherRateIsAnError() throws {
        let stream = SensorStream(name: "acc", samplingRate: 32, channelNames: ["x"], unit: "g", samples: [0])
        let recording = Recording(subjectID: "S1", sessionID: "a", startTime: 0, streams: [stream])
        #expect(try recording.requireStream(named: "acc", samplingRate: 32).name == "acc")
        let missing = captureDataError { _ = try recording.requireStream(named: "ppg") }
        #expect(missing?.kind == .missingModality)
        #expect(missing?.description.contains("\"ppg\"") == true)
        let wrongRate = captureDataError { _ = try recording.requireStream(named: "acc", samplingRate: 64) }
        #expect(wrongRate?.description.contains("64.0 Hz") == true)
    }

    /// 10 Hz, 100 frames (10 s) of distinct values with one marked gap, one NaN run, one flat line and
    /// one plateau at the maximum, each placed by hand.
    private func flawedStream() -> SensorStream {
        var samples = (0..<100).map { 1 + 0.01 * Float($0) }
        for index in 20...25 { samples[index] = .nan }      // the marked gap 2.0-2.5 s
        for index in 40...44 { samples[index] = .nan }      // NaN run: 5 frames = 0.5 s
        for index in 60...84 { samples[index] = 1.5 }       // flat: 25 frames = 2.5 s
        for index in 90...92 { samples[index] = 9 }         // plateau at the maximum: 3 frames = 0.3 s
        samples[10] = 9                                     // a single touch of the maximum is not clipping
        return SensorStream(name: "ppg", samplingRate: 10, channelNames: ["bvp"], unit: "a.u.", samples: samples,
                            gaps: [TimeSpan(start: 2.0, end: 2.5)])
    }

    @Test func qualityScanCountsGapsNaNRunsFlatLinesAndClipping() {
        var accelerometer = (0..<120).map { Float($0 % 17) * 0.05 - 0.4 }  // 40 frames x 3, inside ±2 g
        accelerometer[8 * 3 + 1] = 2; accelerometer[9 * 3 + 1] = 2       // frames 8-9 at the limit: one run, 0.5 s
        accelerometer[30 * 3 + 2] = -2                                    // frame 30: one run, 0.25 s
        let acc = SensorStream(name: "acc", samplingRate: 4, channelNames: ["x", "y", "z"], unit: "g",
                               samples: accelerometer, validRange: -2...2)
        let temp = SensorStream(name: "temp", samplingRate: 4, channelNames: ["t"], unit: "°C",
                                samples: (0..<28).map { 30 + 0.1 * Float($0) }, startOffset: 3)
        let recording = Recording(subjectID: "S1", sessionID: "a", startTime: 0, streams: [flawedStream(), acc, temp])
        let report = recording.scanQuality()
        #expect(report.streams.map(\.streamName) == ["acc", "ppg", "temp"])
        let ppg = report.streams[1]
        #expect(ppg.gapCount == 1 && abs(ppg.gapSeconds - 0.5) < 1e-9)
        #expect(ppg.nanRunCount == 1 && abs(ppg.nanSeconds - 0.5) < 1e-9)
        #expect(ppg.flatLineCount == 1 && abs(ppg.flatLineSeconds - 2.5) < 1e-9)
        #expect(ppg.clippingCount == 1 && abs(ppg.clippedSeconds - 0.3) < 1e-9)
        let accReport = report.streams[0]
        #expect(accReport.clippingCount == 2 && abs(accReport.clippedSeconds - 0.75) < 1e-9)
        #expect(accReport.gapCount == 0 && accReport.nanRunCount == 0 && accReport.flatLineCount == 0)
        let tempReport = report.streams[2]
        #expect(tempReport.gapCount == 1 && abs(tempReport.gapSeconds - 3) < 1e-9)  // starts 3 s late
        #expect(report.total.gapCount == 2 && report.total.clippingCount == 3)
        // Scanning reports and never fills.
        #expect(recording.streams["ppg"]!.samples[42].isNaN)
    }

    @Test func summaryDescribesStreamsQualityAndLabelsAsTextAndJSON() throws {
        let stream = flawedStream()
        let recording = Recording(subjectID: "S7", sessionID: "lab", startTime: 1_600_000_000, streams: [stream], labels: [
            LabelInterval(start: 5, end: 8, label: "stress"), LabelInterval(start: 0, end: 4.5, label: "baseline"),
            LabelInterval(start: 9, end: 9.5, label: "stress"),
        ], notes: ["a note"])
        let summary = RecordingSummary(recording)
        #expect(summary.durationSeconds == 10)
        #expect(summary.labelCounts == [
            RecordingSummary.LabelCount(label: "baseline", count: 1, totalSeconds: 4.5),
            RecordingSummary.LabelCount(label: "stress", count: 2, totalSeconds: 3.5),
        ])
        #expect(summary.labelIntervals.map(\.start) == [0, 5, 9])
        let text = summary.description
        for fragment in ["recording S7/lab: 10 s", "stream ppg: 10 Hz, 1 channel(s) [bvp] in a.u., 100 frames",
                         "quality ppg: 1 gap(s) 0.5 s, 1 NaN run(s) 0.5 s, 1 flat line(s) 2.5 s, 1 clipped run(s) 0.3 s",
                         "label stress: 2 interval(s), 3.5 s", "baseline 0–4.5 s", "note: a note"] {
            #expect(text.contains(fragment), "missing \"\(fragment)\" in:\n\(text)")
        }
        let decoded = try JSONDecoder().decode(RecordingSummary.self, from: summary.jsonData())
        #expect(decoded == summary)
        let dataset = RecordingSummary.description(of: [summary, summary])
        #expect(dataset.contains("2 recording(s), 1 subject(s), 20 s in all"))
        #expect(dataset.contains("stress: 4 × 7 s"))
    }
}
