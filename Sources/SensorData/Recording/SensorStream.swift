import Foundation

/// One modality of a recording (PPG, accelerometer, temperature, ...) at its native rate.
///
/// Layout: `samples` is channel-interleaved (frame-major), `samples[frame * channelCount + channel]`,
/// so a stream of `frameCount` frames is a `[frameCount, channelCount]` row-major matrix — the layout of
/// the source CSV rows and of a flattened accelerometer patch (`[x0, y0, z0, x1, y1, z1, ...]`).
///
/// Timing: a regular stream has `samplingRate > 0` and frame `i` sits at
/// `startOffset + i / samplingRate` seconds from the recording start. An event stream (inter-beat
/// intervals) has `samplingRate == 0` and one entry of `eventTimes` per frame instead. Streams of one
/// recording are aligned by these times, never by index. Missing samples are NaN and are never filled.
public struct SensorStream: Sendable, Codable, Equatable {
    /// Canonical stream names, shared by importers, the synthetic cohort and model configs.
    public enum StandardName {
        public static let ppg = "ppg"
        public static let accelerometer = "acc"
        public static let temperature = "temp"
        public static let electrodermalActivity = "eda"
        public static let heartRate = "hr"
        public static let interbeatInterval = "ibi"
    }

    public var name: String
    /// Frames per second; 0 for an event stream.
    public var samplingRate: Double
    public var channelNames: [String]
    /// Physical unit of every channel ("g", "°C", "µS", "bpm", "s", "a.u.").
    public var unit: String
    /// Channel-interleaved samples, `frameCount * channelCount` values.
    public var samples: [Float]
    /// Seconds from the recording start to frame 0 (regular streams).
    public var startOffset: Double
    /// Seconds from the recording start of each frame (event streams only), ascending.
    public var eventTimes: [Double]?
    /// Inclusive range the sensor can report, when known (E4 accelerometer: ±2 g); used to detect clipping.
    public var validRange: ClosedRange<Float>?
    /// Spans (seconds from the recording start) where the source had no data; their samples are NaN.
    public var gaps: [TimeSpan]

    /// A regular stream.
    public init(
        name: String, samplingRate: Double, channelNames: [String], unit: String, samples: [Float],
        startOffset: Double = 0, validRange: ClosedRange<Float>? = nil, gaps: [TimeSpan] = []
    ) {
        precondition(samplingRate > 0 && samplingRate.isFinite,
                     "SensorStream(\(name)): sampling rate must be positive and finite, got \(samplingRate)")
        precondition(!channelNames.isEmpty, "SensorStream(\(name)): at least one channel is required")
        precondition(samples.count % channelNames.count == 0,
                     "SensorStream(\(name)): \(samples.count) samples do not divide into \(channelNames.count) channels")
        self.name = name
        self.samplingRate = samplingRate
        self.channelNames = channelNames
        self.unit = unit
        self.samples = samples
        self.startOffset = startOffset
        self.eventTimes = nil
        self.validRange = validRange
        self.gaps = gaps
    }

    /// An event stream: one frame per entry of `eventTimes` (seconds from the recording start, ascending).
    public init(name: String, eventTimes: [Double], channelNames: [String], unit: String, samples: [Float]) {
        precondition(!channelNames.isEmpty, "SensorStream(\(name)): at least one channel is required")
        precondition(samples.count == eventTimes.count * channelNames.count,
                     "SensorStream(\(name)): \(samples.count) samples for \(eventTimes.count) events x \(channelNames.count) channels")
        self.name = name
        self.samplingRate = 0
        self.channelNames = channelNames
        self.unit = unit
        self.samples = samples
        self.startOffset = eventTimes.first ?? 0
        self.eventTimes = eventTimes
        self.validRange = nil
        self.gaps = []
    }

    public var channelCount: Int { channelNames.count }
    public var frameCount: Int { samples.count / channelNames.count }
    public var isEventStream: Bool { eventTimes != nil }

    /// Seconds from the recording start just past the last frame (`startOffset` for an empty stream).
    public var endOffset: Double {
        if let eventTimes { return eventTimes.last ?? startOffset }
        return startOffset + Double(frameCount) / samplingRate
    }

    /// Seconds covered by the stream.
    public var duration: Double { endOffset - startOffset }

    /// Seconds from the recording start of frame `index`.
    public func time(ofSample index: Int) -> Double {
        precondition(index >= 0 && index < frameCount,
                     "SensorStream.time(ofSample:) on \(name): index \(index) outside 0..<\(frameCount)")
        if let eventTimes { return eventTimes[index] }
        return startOffset + Double(index) / samplingRate
    }

    /// The frame whose time is nearest to `time` (seconds from the recording start) without following it
    /// by more than half a period, or nil when `time` is outside the stream. For an event stream, the
    /// last event at or before `time`.
    public func sampleIndex(atTime time: Double) -> Int? {
        guard frameCount > 0, time.isFinite else { return nil }
        if let eventTimes {
            var low = 0, high = eventTimes.count
            while low < high {
                let middle = (low + high) / 2
                if eventTimes[middle] <= time { low = middle + 1 } else { high = middle }
            }
            return low == 0 ? nil : low - 1
        }
        let position = ((time - startOffset) * samplingRate).rounded(.toNearestOrAwayFromZero)
        guard position >= 0, position < Double(frameCount) else { return nil }
        return Int(position)
    }

    /// The values of one frame, one per channel.
    public func frame(_ index: Int) -> ArraySlice<Float> {
        precondition(index >= 0 && index < frameCount,
                     "SensorStream.frame(_:) on \(name): index \(index) outside 0..<\(frameCount)")
        return samples[(index * channelCount)..<((index + 1) * channelCount)]
    }

    /// The values of one channel over all frames (a copy, de-interleaved).
    public func channel(_ channelIndex: Int) -> [Float] {
        precondition(channelIndex >= 0 && channelIndex < channelCount,
                     "SensorStream.channel(_:) on \(name): channel \(channelIndex) outside 0..<\(channelCount)")
        let channels = channelCount
        return (0..<frameCount).map { samples[$0 * channels + channelIndex] }
    }
}

/// A span of time in seconds from a recording's start; `end >= start`.
public struct TimeSpan: Sendable, Codable, Equatable, Hashable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        precondition(end >= start, "TimeSpan: end \(end) before start \(start)")
        self.start = start
        self.end = end
    }

    public var duration: Double { end - start }
}
