import Foundation

/// One session of one subject: named streams at their native rates, aligned by time, with labels.
///
/// All times inside a recording are seconds from `startTime` (UNIX seconds), the earliest stream
/// start. Labels are intervals (`labels`), per-frame codes (`labelTracks`), or one label for the whole
/// recording (`recordingLabel`, from a labelled collection).
public struct Recording: Sendable, Codable, Equatable {
    public var subjectID: String
    public var sessionID: String
    /// UNIX seconds of the recording's time origin.
    public var startTime: Double
    /// Streams keyed by their name (`SensorStream.name`).
    public var streams: [String: SensorStream]
    /// Labelled spans; an instant event (an E4 button press) has `start == end`.
    public var labels: [LabelInterval]
    /// Per-frame label codes, keyed by track name (e.g. "activity").
    public var labelTracks: [String: LabelTrack]
    /// One label for the whole recording (labelled collections), and its declared split, if any.
    public var recordingLabel: String?
    public var split: String?
    /// What the importer did that a user should know (resampling, skipped files, time conventions).
    public var notes: [String]

    public init(
        subjectID: String, sessionID: String, startTime: Double, streams: [SensorStream],
        labels: [LabelInterval] = [], labelTracks: [LabelTrack] = [], recordingLabel: String? = nil,
        split: String? = nil, notes: [String] = []
    ) {
        self.subjectID = subjectID
        self.sessionID = sessionID
        self.startTime = startTime
        var byName: [String: SensorStream] = [:]
        for stream in streams {
            precondition(byName[stream.name] == nil, "Recording(\(subjectID)/\(sessionID)): two streams named \(stream.name)")
            byName[stream.name] = stream
        }
        self.streams = byName
        self.labels = labels
        var tracks: [String: LabelTrack] = [:]
        for track in labelTracks { tracks[track.name] = track }
        self.labelTracks = tracks
        self.recordingLabel = recordingLabel
        self.split = split
        self.notes = notes
    }

    /// Stream names in a stable (sorted) order.
    public var streamNames: [String] { streams.keys.sorted() }

    /// Seconds from the start to the end of the longest stream.
    public var duration: Double { streams.values.map(\.endOffset).max() ?? 0 }

    /// The stream a configuration requires; an error (raised when the configuration is used) when the
    /// data lacks it or has it at another rate.
    public func requireStream(named name: String, samplingRate: Double? = nil) throws -> SensorStream {
        let source = "\(subjectID)/\(sessionID)"
        guard let stream = streams[name] else {
            let available = streamNames.joined(separator: ", ")
            throw DataError(.missingModality, file: source,
                            "the configuration requires stream \"\(name)\"; this recording has: \(available)")
        }
        if let samplingRate, abs(stream.samplingRate - samplingRate) > 1e-9 * samplingRate {
            throw DataError(.missingModality, file: source,
                            "the configuration requires \"\(name)\" at \(samplingRate) Hz; the data has it at \(stream.samplingRate) Hz")
        }
        return stream
    }

    /// Per-frame codes for the frames of stream `streamName` from the interval labels: frame `i` gets
    /// the index in `classNames` of the label whose interval holds its time, or -1 (unlabelled; also for
    /// labels not in `classNames` and for instant labels). Later intervals win where intervals overlap.
    public func labelCodes(forStream streamName: String, classNames: [String]) -> [Int32] {
        guard let stream = streams[streamName] else {
            preconditionFailure("Recording.labelCodes: no stream \(streamName) in \(subjectID)/\(sessionID)")
        }
        var codes = [Int32](repeating: -1, count: stream.frameCount)
        let codeOf = Dictionary(classNames.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        for interval in labels where interval.end > interval.start {
            guard let code = codeOf[interval.label] else { continue }
            if let eventTimes = stream.eventTimes {
                for (index, time) in eventTimes.enumerated() where time >= interval.start && time < interval.end {
                    codes[index] = code
                }
            } else {
                let first = max(0, Int(((interval.start - stream.startOffset) * stream.samplingRate).rounded(.up)))
                let last = min(stream.frameCount, Int(((interval.end - stream.startOffset) * stream.samplingRate).rounded(.up)))
                if first < last { for index in first..<last { codes[index] = code } }
            }
        }
        return codes
    }

    /// Checks every label interval lies inside `[-tolerance, duration + tolerance]`.
    /// - Throws: `DataError.labelOutsideRecording` naming `file` and the interval's source line.
    public func validateLabels(file: String, tolerance: Double = 1.0) throws {
        let length = duration
        for interval in labels where interval.start < -tolerance || interval.end > length + tolerance {
            throw DataError(
                .labelOutsideRecording, file: file, line: interval.sourceLine,
                "label \"\(interval.label)\" spans \(formatSeconds(interval.start))–\(formatSeconds(interval.end)) s from the recording start, outside the recording (0–\(formatSeconds(length)) s)")
        }
    }
}

/// A labelled span of a recording, in seconds from the recording start.
public struct LabelInterval: Sendable, Codable, Equatable {
    public var start: Double
    public var end: Double
    public var label: String
    /// The physical line of the file the label came from, for error messages; nil when made in code.
    public var sourceLine: Int?

    public init(start: Double, end: Double, label: String, sourceLine: Int? = nil) {
        precondition(end >= start, "LabelInterval(\(label)): end \(end) before start \(start)")
        self.start = start
        self.end = end
        self.label = label
        self.sourceLine = sourceLine
    }

    public var duration: Double { end - start }
}

/// Per-frame label codes at a fixed rate: frame `i` at `startOffset + i / samplingRate` seconds has
/// class `classNames[codes[i]]`, or none when the code is -1.
public struct LabelTrack: Sendable, Codable, Equatable {
    public var name: String
    public var samplingRate: Double
    public var startOffset: Double
    public var classNames: [String]
    public var codes: [Int32]

    public init(name: String, samplingRate: Double, startOffset: Double = 0, classNames: [String], codes: [Int32]) {
        precondition(samplingRate > 0, "LabelTrack(\(name)): sampling rate must be positive, got \(samplingRate)")
        precondition(codes.allSatisfy { $0 >= -1 && Int($0) < classNames.count },
                     "LabelTrack(\(name)): codes must be -1 or below \(classNames.count)")
        self.name = name
        self.samplingRate = samplingRate
        self.startOffset = startOffset
        self.classNames = classNames
        self.codes = codes
    }

    /// The runs of equal codes as intervals (unlabelled runs omitted), for summaries and round trips.
    public func intervals() -> [LabelInterval] {
        guard !codes.isEmpty else { return [] }
        var result: [LabelInterval] = []
        var runStart = 0
        for index in 1...codes.count where index == codes.count || codes[index] != codes[runStart] {
            if codes[runStart] >= 0 {
                result.append(LabelInterval(start: startOffset + Double(runStart) / samplingRate,
                                            end: startOffset + Double(index) / samplingRate,
                                            label: classNames[Int(codes[runStart])]))
            }
            runStart = index
        }
        return result
    }
}

/// Seconds with at most three decimals and no trailing zeros, for messages and summaries.
func formatSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "\(seconds)" }
    let rounded = (seconds * 1000).rounded() / 1000
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
    var text = String(format: "%.3f", rounded)
    while text.hasSuffix("0") { text.removeLast() }
    return text
}
