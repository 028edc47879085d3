import Foundation

/// What `sensorfm data inspect` shows about a recording: streams with rates and durations, quality,
/// label counts and label intervals in seconds from the recording's start. Readable as text
/// (`description`) and as JSON (`Codable`).
public struct RecordingSummary: Sendable, Codable, Equatable, CustomStringConvertible {
    public struct StreamSummary: Sendable, Codable, Equatable {
        public var name: String
        /// Hz; 0 for an event stream.
        public var samplingRate: Double
        public var channelNames: [String]
        public var unit: String
        public var frameCount: Int
        public var startOffset: Double
        public var durationSeconds: Double
        public var isEventStream: Bool
    }

    public struct LabelCount: Sendable, Codable, Equatable {
        public var label: String
        public var count: Int
        public var totalSeconds: Double
    }

    public var subjectID: String
    public var sessionID: String
    /// UNIX seconds.
    public var startTime: Double
    public var durationSeconds: Double
    public var streams: [StreamSummary]
    public var quality: QualityReport
    /// One entry per distinct interval label, sorted by label.
    public var labelCounts: [LabelCount]
    /// Every interval label, in seconds from the recording's start, in time order.
    public var labelIntervals: [LabelInterval]
    /// Per-frame label tracks summarised as their runs.
    public var labelTrackIntervals: [String: [LabelInterval]]
    public var recordingLabel: String?
    public var split: String?
    public var notes: [String]

    public init(_ recording: Recording, qualityOptions: QualityScanOptions = QualityScanOptions()) {
        subjectID = recording.subjectID
        sessionID = recording.sessionID
        startTime = recording.startTime
        durationSeconds = recording.duration
        streams = recording.streamNames.compactMap { name in
            guard let stream = recording.streams[name] else { return nil }
            return StreamSummary(name: name, samplingRate: stream.samplingRate, channelNames: stream.channelNames,
                                 unit: stream.unit, frameCount: stream.frameCount, startOffset: stream.startOffset,
                                 durationSeconds: stream.duration, isEventStream: stream.isEventStream)
        }
        quality = recording.scanQuality(options: qualityOptions)
        var counts: [String: LabelCount] = [:]
        for interval in recording.labels {
            counts[interval.label, default: LabelCount(label: interval.label, count: 0, totalSeconds: 0)].count += 1
            counts[interval.label]!.totalSeconds += interval.duration
        }
        labelCounts = counts.keys.sorted().map { counts[$0]! }
        labelIntervals = recording.labels.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        labelTrackIntervals = recording.labelTracks.mapValues { $0.intervals() }
        recordingLabel = recording.recordingLabel
        split = recording.split
        notes = recording.notes
    }

    public var description: String {
        var lines: [String] = []
        var title = "recording \(subjectID)/\(sessionID): \(formatSeconds(durationSeconds)) s from UNIX \(formatSeconds(startTime))"
        if let recordingLabel { title += ", label \(recordingLabel)" }
        if let split { title += ", split \(split)" }
        lines.append(title)
        for stream in streams {
            let rate = stream.isEventStream ? "events" : "\(formatSeconds(stream.samplingRate)) Hz"
            lines.append("  stream \(stream.name): \(rate), \(stream.channelNames.count) channel(s) [\(stream.channelNames.joined(separator: ", "))] in \(stream.unit), \(stream.frameCount) frames, \(formatSeconds(stream.durationSeconds)) s from +\(formatSeconds(stream.startOffset)) s")
        }
        for entry in quality.streams where !entry.isClean {
            lines.append("  quality \(entry.streamName): " + Self.qualityText(entry))
        }
        if quality.total.isClean { lines.append("  quality: no gaps, NaN runs, flat lines or clipping") }
        for count in labelCounts {
            lines.append("  label \(count.label): \(count.count) interval(s), \(formatSeconds(count.totalSeconds)) s")
        }
        for interval in labelIntervals {
            lines.append("    \(interval.label) \(formatSeconds(interval.start))–\(formatSeconds(interval.end)) s")
        }
        for name in labelTrackIntervals.keys.sorted() {
            lines.append("  label track \(name): \(labelTrackIntervals[name]!.count) run(s)")
        }
        for note in notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }

    static func qualityText(_ entry: StreamQuality) -> String {
        var parts: [String] = []
        if entry.gapCount > 0 { parts.append("\(entry.gapCount) gap(s) \(formatSeconds(entry.gapSeconds)) s") }
        if entry.nanRunCount > 0 { parts.append("\(entry.nanRunCount) NaN run(s) \(formatSeconds(entry.nanSeconds)) s") }
        if entry.flatLineCount > 0 { parts.append("\(entry.flatLineCount) flat line(s) \(formatSeconds(entry.flatLineSeconds)) s") }
        if entry.clippingCount > 0 { parts.append("\(entry.clippingCount) clipped run(s) \(formatSeconds(entry.clippedSeconds)) s") }
        return parts.joined(separator: ", ")
    }

    /// Pretty-printed JSON with sorted keys, stable across runs.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Text for several recordings (a dataset): one block each, then totals per label.
    public static func description(of summaries: [RecordingSummary]) -> String {
        var totals: [String: (count: Int, seconds: Double)] = [:]
        for summary in summaries {
            for count in summary.labelCounts {
                totals[count.label, default: (0, 0)].count += count.count
                totals[count.label]!.seconds += count.totalSeconds
            }
            if let label = summary.recordingLabel {
                totals[label, default: (0, 0)].count += 1
                totals[label]!.seconds += summary.durationSeconds
            }
        }
        var lines = summaries.map(\.description)
        let subjects = Set(summaries.map(\.subjectID)).count
        let seconds = summaries.reduce(0) { $0 + $1.durationSeconds }
        lines.append("\(summaries.count) recording(s), \(subjects) subject(s), \(formatSeconds(seconds)) s in all")
        for label in totals.keys.sorted() {
            lines.append("  \(label): \(totals[label]!.count) × \(formatSeconds(totals[label]!.seconds)) s")
        }
        return lines.joined(separator: "\n")
    }
}
