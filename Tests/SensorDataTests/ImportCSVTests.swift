import Foundation
import Testing
@testable import SensorData

let twoStreamDescription = """
    timestamp: {column: t, unit: s}
    streams:
      ppg: {columns: [green], rate: 4, unit: "a.u."}
      acc: {columns: [ax, ay, az], rate: 2, unit: g, channels: [x, y, z]}
    subject: P01
    """

@Suite struct ImportCSVTests {
    @Test func descriptionReadsTimestampAndStreams() throws {
        let description = try CSVDescription.parse(yaml: twoStreamDescription, source: "map.yaml")
        #expect(description.timestampColumn == "t" && description.timestampUnit == .seconds)
        #expect(description.streams.map(\.name) == ["acc", "ppg"])
        #expect(description.streams[0].columns == ["ax", "ay", "az"] && description.streams[0].channelNames == ["x", "y", "z"])
        #expect(description.streams[0].samplingRate == 2 && description.streams[0].unit == "g")
        #expect(description.streams[1].channelNames == ["green"])
        #expect(description.subjectID == "P01" && description.delimiter == UInt8(ascii: ","))
    }

    @Test func regularMultiRateFileKeepsSamplesWithoutResampling() throws {
        // ppg on every row (4 Hz); acc on every other row (2 Hz); one ppg cell missing -> NaN.
        let csv = """
            t,green,ax,ay,az
            100.00,1,0.1,0.2,0.3
            100.25,2,,,
            100.50,,0.4,0.5,0.6
            100.75,4,,,
            101.00,5,0.7,0.8,nan

            """
        let description = try CSVDescription.parse(yaml: twoStreamDescription, source: "map.yaml")
        let recording = try GenericCSVImporter.parse(data: Data(csv.utf8), source: "walk.csv", description: description,
                                                     subjectID: "P01", sessionID: "csv")
        #expect(recording.startTime == 100)
        let ppg = try #require(recording.streams["ppg"])
        #expect(ppg.samplingRate == 4 && ppg.frameCount == 5)
        #expect(ppg.samples[2].isNaN)
        expectValues([ppg.samples[0], ppg.samples[1], ppg.samples[3], ppg.samples[4]], [1, 2, 4, 5])
        let acc = try #require(recording.streams["acc"])
        #expect(acc.frameCount == 3 && acc.channelNames == ["x", "y", "z"])
        expectValues(Array(acc.samples[0..<8]), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
        #expect(acc.samples[8].isNaN)
        #expect(recording.notes.isEmpty)
    }

    @Test func iso8601TimestampsGiveUNIXStartTime() throws {
        let yaml = "timestamp: {column: time, unit: iso8601}\nstreams:\n  temp: {columns: [skin], rate: 1, unit: °C}\n"
        let csv = "time;skin\n2024-03-01T12:00:00Z;33.0\n2024-03-01T13:00:01+01:00;33.5\n\"2024-03-01 12:00:02.000\";34\n"
        var description = try CSVDescription.parse(yaml: yaml, source: "map.yaml")
        description.delimiter = UInt8(ascii: ";")
        let recording = try GenericCSVImporter.parse(data: Data(csv.utf8), source: "t.csv", description: description,
                                                     subjectID: "a", sessionID: "b")
        #expect(recording.startTime == 1_709_294_400)  // 2024-03-01 12:00:00 UTC
        #expect(recording.streams["temp"]?.samples == [33, 33.5, 34])
        #expect(recording.notes.contains { $0.contains("without a time zone") })
    }

    @Test func irregularTimestampsAreResampledWithANote() throws {
        var csv = "t,green\n"
        for time in jitteredTimes(rate: 100, duration: 8) {
            csv += String(format: "%.6f,%.6f\n", time, sin(2 * Double.pi * 1.5 * time))
        }
        let yaml = "timestamp: {column: t}\nstreams:\n  ppg: {columns: [green], rate: 32}\n"
        let description = try CSVDescription.parse(yaml: yaml, source: "map.yaml")
        let recording = try GenericCSVImporter.parse(data: Data(csv.utf8), source: "r.csv", description: description,
                                                     subjectID: "a", sessionID: "b")
        let ppg = try #require(recording.streams["ppg"])
        #expect(ppg.samplingRate == 32)
        #expect(abs(Double(ppg.frameCount) - 8 * 32) <= 1)
        for frame in 32..<(ppg.frameCount - 32) {
            let expected = Float(sin(2 * Double.pi * 1.5 * ppg.time(ofSample: frame)))
            #expect(abs(ppg.samples[frame] - expected) < 0.01, "frame \(frame)")
        }
        #expect(recording.notes.contains { $0.contains("resampled to 32 Hz") && $0.contains("anti-aliasing") })
    }

    /// Strictly increasing times from 0 to `duration` s, spaced `(0.7...1.3) / rate` s (a fixed LCG).
    private func jitteredTimes(rate: Double, duration: Double) -> [Double] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var times: [Double] = []
        var time = 0.0
        while time < duration {
            times.append(time)
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            time += (0.7 + 0.6 * Double(state >> 11) / Double(UInt64(1) << 53)) / rate
        }
        return times
    }

    /// Irregular input around 256 Hz (intervals jittered ±30 %) with a unit sine at `frequency`,
    /// resampled to 64 Hz. Returns the amplitude at `measuredFrequency` by a least-squares fit of a
    /// sine and a cosine, and the RMS amplitude (√2 · RMS) of everything, over the interior (one
    /// second from each edge excluded).
    private func resampledAmplitudes(frequency: Double, measuredFrequency: Double) -> (coherent: Double, total: Double) {
        let times = jitteredTimes(rate: 256, duration: 10)
        let values = times.map { Float(sin(2 * Double.pi * frequency * $0)) }
        let result = Resampler.resample(times: times, values: values, channelCount: 1, targetRate: 64)
        let interior = 64..<(result.samples.count - 64)
        var ss = 0.0, sc = 0.0, cc = 0.0, ys = 0.0, yc = 0.0, energy = 0.0
        for frame in interior {
            let phase = 2 * Double.pi * measuredFrequency * (result.startTime + Double(frame) / 64)
            let (s, c, y) = (sin(phase), cos(phase), Double(result.samples[frame]))
            ss += s * s; sc += s * c; cc += c * c; ys += y * s; yc += y * c; energy += y * y
        }
        let determinant = ss * cc - sc * sc
        let a = (ys * cc - yc * sc) / determinant, b = (yc * ss - ys * sc) / determinant
        return ((a * a + b * b).squareRoot(), (2 * energy / Double(interior.count)).squareRoot())
    }

    @Test func resamplingRecoversAnInBandSineAndAttenuatesAboveNyquist() {
        for frequency in [3.0, 15.0] {
            let (coherent, total) = resampledAmplitudes(frequency: frequency, measuredFrequency: frequency)
            #expect(abs(coherent - 1) < 0.005 && abs(total - 1) < 0.005, "\(frequency) Hz: \(coherent), \(total)")
        }
        // Above the 32 Hz output Nyquist frequency: nothing folds back to 64 - f Hz (a plain
        // decimation would give amplitude 1 there); what remains is broadband noise from the
        // ±30 % timing jitter, 30 dB down.
        for frequency in [40.0, 50.0] {
            let (coherent, total) = resampledAmplitudes(frequency: frequency, measuredFrequency: 64 - frequency)
            #expect(coherent < 0.003 && total < 0.035, "\(frequency) Hz: alias \(coherent), total \(total)")
        }
    }

    @Test func resamplingKeepsAConstantExactAndLeavesPausesAsNaNGaps() {
        let times = [0.0, 0.1, 0.21, 0.3, 0.38, 0.5, 2.0, 2.1, 2.2, 2.31, 2.4]
        let result = Resampler.resample(times: times, values: Array(repeating: 3.5, count: times.count), channelCount: 1, targetRate: 10)
        #expect(result.gaps == [TimeSpan(start: 0.5, end: 2.0)])
        #expect(result.samples.count == 25)
        for (frame, value) in result.samples.enumerated() {
            let time = Double(frame) / 10
            if time > 0.5 && time < 2.0 { #expect(value.isNaN, "frame \(frame)") } else { #expect(abs(value - 3.5) < 1e-6, "frame \(frame)") }
        }
    }

    @Test func csvFolderUsesItsDescriptionFileAndDetection() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("csv/description.yaml", twoStreamDescription)
        try temporary.write("csv/a.csv", "t,green,ax,ay,az\n0,1,0,0,1\n0.5,2,0,0,1\n")
        try temporary.write("csv/b.csv", "t,green,ax,ay,az\n0,3,0,0,1\n0.5,4,0,0,1\n")
        let folder = temporary.url.appendingPathComponent("csv")
        #expect(try RecordingImporter.detectFormat(at: folder) == .csv)
        let recordings = try RecordingImporter.importRecordings(at: folder, format: nil, csvDescription: nil)
        #expect(recordings.count == 2 && recordings.allSatisfy { $0.subjectID == "P01" })
        #expect(recordings.map { $0.streams["acc"]?.samples ?? [] } == [[0, 0, 1, 0, 0, 1], [0, 0, 1, 0, 0, 1]])
        // The ppg stream is declared at 4 Hz but sampled at 2 Hz: resampled, with a note.
        #expect(recordings[0].notes.contains { $0.contains("stream ppg") && $0.contains("resampled to 4 Hz") })
    }
}
