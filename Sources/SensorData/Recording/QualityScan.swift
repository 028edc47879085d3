import Foundation

/// Thresholds of the quality scan. Defaults suit E4-like streams (4-64 Hz).
public struct QualityScanOptions: Sendable, Equatable {
    /// A run of identical frames counts as a flat line once it lasts this long (seconds)...
    public var flatLineSeconds: Double = 2.0
    /// ...and holds at least this many frames (so 1 Hz heart rate is not flat after 2 equal values).
    public var minimumFlatFrames: Int = 5
    /// Frames in a row at a channel's observed extreme that count as clipping when the sensor's range
    /// is unknown; with a known `validRange` one frame at the limit is enough.
    public var clippingRunFrames: Int = 3
    /// Missing coverage at a stream's start or end (against the recording span) counts as a gap
    /// when longer than this (seconds); streams legitimately start a fraction of a second apart.
    public var coverageToleranceSeconds: Double = 1.0

    public init() {}
}

/// Problems found in one stream, as counts of runs and the seconds they cover. Nothing is repaired.
public struct StreamQuality: Sendable, Codable, Equatable {
    public var streamName: String
    /// Spans with no data: gaps the importer marked, and missing coverage at the stream's ends.
    public var gapCount = 0
    public var gapSeconds = 0.0
    /// Runs of frames holding a NaN (outside marked gaps).
    public var nanRunCount = 0
    public var nanSeconds = 0.0
    /// Runs of identical frames lasting at least the flat-line threshold.
    public var flatLineCount = 0
    public var flatLineSeconds = 0.0
    /// Runs of frames with a channel at the sensor's limit (or a plateau at the observed extreme).
    public var clippingCount = 0
    public var clippedSeconds = 0.0

    public init(streamName: String) { self.streamName = streamName }

    public var isClean: Bool { gapCount == 0 && nanRunCount == 0 && flatLineCount == 0 && clippingCount == 0 }

    mutating func add(_ other: StreamQuality) {
        gapCount += other.gapCount; gapSeconds += other.gapSeconds
        nanRunCount += other.nanRunCount; nanSeconds += other.nanSeconds
        flatLineCount += other.flatLineCount; flatLineSeconds += other.flatLineSeconds
        clippingCount += other.clippingCount; clippedSeconds += other.clippedSeconds
    }
}

/// The quality of a recording: one entry per regular stream (event streams have no fixed period and
/// are not scanned), and their sum.
public struct QualityReport: Sendable, Codable, Equatable {
    public var streams: [StreamQuality]
    public var total: StreamQuality
}

extension Recording {
    /// Detects gaps, NaN runs, flat lines and clipping in every regular stream. Reports; never fills.
    public func scanQuality(options: QualityScanOptions = QualityScanOptions()) -> QualityReport {
        let span = duration
        var reports: [StreamQuality] = []
        var total = StreamQuality(streamName: "all")
        for name in streamNames {
            guard let stream = streams[name], !stream.isEventStream else { continue }
            let report = QualityScanner.scan(stream, recordingDuration: span, options: options)
            total.add(report)
            reports.append(report)
        }
        return QualityReport(streams: reports, total: total)
    }
}

enum QualityScanner {
    static func scan(_ stream: SensorStream, recordingDuration: Double, options: QualityScanOptions) -> StreamQuality {
        var report = StreamQuality(streamName: stream.name)
        let period = 1 / stream.samplingRate
        for gap in stream.gaps {
            report.gapCount += 1
            report.gapSeconds += gap.duration
        }
        let leading = stream.startOffset
        let trailing = recordingDuration - stream.endOffset
        for missing in [leading, trailing] where missing > options.coverageToleranceSeconds {
            report.gapCount += 1
            report.gapSeconds += missing
        }
        let frames = stream.frameCount, channels = stream.channelCount
        guard frames > 0 else { return report }
        let inGap = gapMask(stream)
        let flatMinimum = max(options.minimumFlatFrames, Int((options.flatLineSeconds * stream.samplingRate).rounded(.up)))
        let limits = clippingLimits(stream)
        let clipMinimum = stream.validRange == nil ? options.clippingRunFrames : 1
        stream.samples.withUnsafeBufferPointer { samples in
            var nanRun = 0, flatRun = 1, clipRun = 0
            func closeNaN() {
                if nanRun > 0 { report.nanRunCount += 1; report.nanSeconds += Double(nanRun) * period }
                nanRun = 0
            }
            func closeFlat() {
                if flatRun >= flatMinimum { report.flatLineCount += 1; report.flatLineSeconds += Double(flatRun) * period }
                flatRun = 1
            }
            func closeClip() {
                if clipRun >= clipMinimum { report.clippingCount += 1; report.clippedSeconds += Double(clipRun) * period }
                clipRun = 0
            }
            for frame in 0..<frames {
                let base = frame * channels
                var hasNaN = false, clipped = false, sameAsPrevious = frame > 0
                for channel in 0..<channels {
                    let value = samples[base + channel]
                    if value.isNaN { hasNaN = true; continue }
                    if let limit = limits[channel], value <= limit.lowerBound || value >= limit.upperBound { clipped = true }
                    if frame > 0 && samples[base - channels + channel] != value { sameAsPrevious = false }
                }
                if hasNaN {
                    sameAsPrevious = false
                    if !inGap[frame] { nanRun += 1 } else { closeNaN() }
                } else {
                    closeNaN()
                }
                if sameAsPrevious { flatRun += 1 } else { closeFlat() }
                if clipped && !hasNaN { clipRun += 1 } else { closeClip() }
            }
            closeNaN(); closeFlat(); closeClip()
        }
        return report
    }

    /// Whether each frame lies inside one of the stream's marked gaps.
    private static func gapMask(_ stream: SensorStream) -> [Bool] {
        var mask = [Bool](repeating: false, count: stream.frameCount)
        for gap in stream.gaps {
            let first = max(0, Int(((gap.start - stream.startOffset) * stream.samplingRate).rounded(.up)))
            let last = min(stream.frameCount, Int(((gap.end - stream.startOffset) * stream.samplingRate).rounded(.down)) + 1)
            if first < last { for index in first..<last { mask[index] = true } }
        }
        return mask
    }

    /// Per channel, the values at or beyond which a sample is clipped: the sensor's range when known,
    /// otherwise the channel's observed extremes (nil for a constant or all-NaN channel).
    private static func clippingLimits(_ stream: SensorStream) -> [ClosedRange<Float>?] {
        if let range = stream.validRange { return Array(repeating: range, count: stream.channelCount) }
        var minimum = [Float](repeating: .infinity, count: stream.channelCount)
        var maximum = [Float](repeating: -.infinity, count: stream.channelCount)
        for (index, value) in stream.samples.enumerated() where !value.isNaN {
            let channel = index % stream.channelCount
            minimum[channel] = min(minimum[channel], value)
            maximum[channel] = max(maximum[channel], value)
        }
        return (0..<stream.channelCount).map { minimum[$0] < maximum[$0] ? minimum[$0]...maximum[$0] : nil }
    }
}
