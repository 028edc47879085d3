import Foundation

/// Counts of windows considered, kept, and rejected per reason (`"<modality>.missing"`, `".flat"`,
/// `".clipped"`); a window failing several checks counts under each, and once in `windowsRejected`.
public struct WindowQualityReport: Sendable, Codable, Equatable {
    public var windowsConsidered = 0
    public var windowsKept = 0
    public var windowsRejected = 0
    public var rejections: [String: Int] = [:]

    public init() {}

    public mutating func merge(_ other: WindowQualityReport) {
        windowsConsidered += other.windowsConsidered
        windowsKept += other.windowsKept
        windowsRejected += other.windowsRejected
        for (reason, count) in other.rejections { rejections[reason, default: 0] += count }
    }
}

/// Cuts recordings into windows by seconds, checks their quality and attaches their labels.
///
/// Window `k` of a recording covers `[k · stride, k · stride + length)` seconds from its start; each
/// modality contributes the frames whose times fall in that span (`round((t − startOffset) · rate)`
/// onwards), so streams are aligned by time, not by index. Windows that run past any present modality's
/// span are not considered. A modality that allows absence and that the recording lacks (or has at
/// another rate) is stored as NaN and marked absent in every window of the recording, never imputed.
public enum WindowExtractor {
    /// The layouts of `configuration`'s modalities as found in `recording` (or as specified, for an
    /// absent modality that allows absence).
    /// - Throws: `DataError.missingModality` when a required stream is absent or at another rate.
    public static func layouts(of recording: Recording, configuration: WindowingConfiguration) throws -> [ModalityLayout] {
        try configuration.modalities.map { modality in
            let samples = configuration.samplesPerWindow(modality)
            guard let stream = try stream(of: modality, in: recording) else {
                return ModalityLayout(name: modality.name, samplingRate: modality.samplingRate, channelNames: modality.channelNames ?? [],
                                      unit: modality.unit ?? "", samplesPerWindow: samples)
            }
            return ModalityLayout(name: modality.name, samplingRate: modality.samplingRate, channelNames: stream.channelNames,
                                  unit: stream.unit, samplesPerWindow: samples)
        }
    }

    /// The stream of `modality` in `recording`; nil when it is absent (or at another rate) and may be.
    /// - Throws: `DataError.missingModality` when it is absent and required.
    static func stream(of modality: ModalitySpecification, in recording: Recording) throws -> SensorStream? {
        if modality.allowsAbsence {
            guard let stream = recording.streams[modality.name], !stream.isEventStream,
                  abs(stream.samplingRate - modality.samplingRate) <= 1e-9 * modality.samplingRate else { return nil }
            return stream
        }
        return try recording.requireStream(named: modality.name, samplingRate: modality.samplingRate)
    }

    /// An empty window set shaped for `configuration` and the channels of `recording`.
    public static func emptySet(like recording: Recording, configuration: WindowingConfiguration) throws -> WindowSet {
        WindowSet(windowSeconds: configuration.windowSeconds, strideSeconds: configuration.strideSeconds,
                  modalities: try layouts(of: recording, configuration: configuration),
                  labelSchema: configuration.labels.map(LabelSchemaEntry.init))
    }

    /// Appends the windows of `recording` that pass the quality filter to `set`, and counts them in `report`.
    /// - Throws: `DataError.missingModality` for a missing stream, a wrong rate or a channel layout that
    ///   differs from the set's.
    public static func extract(_ recording: Recording, configuration: WindowingConfiguration, into set: inout WindowSet,
                               report: inout WindowQualityReport) throws {
        let layouts = try layouts(of: recording, configuration: configuration)
        for (layout, expected) in zip(layouts, set.modalities) where layout.channelNames != expected.channelNames {
            throw DataError(.missingModality, file: "\(recording.subjectID)/\(recording.sessionID)",
                            "stream \"\(layout.name)\" has channels \(layout.channelNames); the dataset has \(expected.channelNames)")
        }
        let streams = try configuration.modalities.map { try stream(of: $0, in: recording) }
        guard let reference = streams.lazy.compactMap({ $0 }).first else { return }
        var windowEnd = Double.infinity
        for case let stream? in streams { windowEnd = min(windowEnd, stream.endOffset) }
        let classSources = try configuration.labels.compactMap { try classSource($0, recording: recording, reference: reference) }
        let subject = set.subjectIndex(recording.subjectID)
        var start = 0.0
        var windowNumber = 0
        while start + configuration.windowSeconds <= windowEnd + 1e-9 {
            defer { windowNumber += 1; start = Double(windowNumber) * configuration.strideSeconds }
            var slices: [String: ArraySlice<Float>] = [:]
            var complete = true
            var failures: [String] = []
            for (index, stream) in streams.enumerated() {
                guard let stream else { continue }
                let modality = configuration.modalities[index], layout = layouts[index]
                let first = Int(((start - stream.startOffset) * modality.samplingRate).rounded())
                guard first >= 0, first + layout.samplesPerWindow <= stream.frameCount else { complete = false; break }
                let slice = stream.samples[(first * layout.channelCount)..<((first + layout.samplesPerWindow) * layout.channelCount)]
                failures += qualityFailures(slice, channels: layout.channelCount, modality: modality, stream: stream,
                                            thresholds: configuration.quality)
                slices[modality.name] = slice
            }
            guard complete else { continue }
            report.windowsConsidered += 1
            if !failures.isEmpty {
                report.windowsRejected += 1
                for reason in failures { report.rejections[reason, default: 0] += 1 }
                continue
            }
            report.windowsKept += 1
            var classes: [String: Int64] = [:], values: [String: Float] = [:]
            for source in classSources { classes[source.name] = source.majority(from: start, to: start + configuration.windowSeconds) }
            for case .streamMean(let name, let streamName, _) in configuration.labels {
                values[name] = recording.streams[streamName].map { mean(of: $0, from: start, to: start + configuration.windowSeconds) } ?? .nan
            }
            set.append(window: slices, classes: classes, values: values, subject: subject, start: Float(start))
        }
    }

    /// The quality checks a window slice fails, as `"<modality>.<reason>"`.
    static func qualityFailures(_ slice: ArraySlice<Float>, channels: Int, modality: ModalitySpecification,
                                stream: SensorStream, thresholds: QualityThresholds) -> [String] {
        var failures: [String] = []
        let frames = slice.count / channels
        var missing = 0, clipped = 0, flatFrames = 0, run = 1
        let flatRun = max(2, Int((thresholds.flatRunSeconds * modality.samplingRate).rounded()))
        slice.withUnsafeBufferPointer { values in
            for value in values {
                if value.isNaN { missing += 1 } else if let range = stream.validRange, value <= range.lowerBound || value >= range.upperBound { clipped += 1 }
            }
            guard modality.checksFlatness, frames > 1 else { return }
            for frame in 1..<frames {
                var same = true
                for channel in 0..<channels where values[frame * channels + channel] != values[(frame - 1) * channels + channel] {
                    same = false
                }
                if same { run += 1 } else { if run >= flatRun { flatFrames += run }; run = 1 }
            }
            if run >= flatRun { flatFrames += run }
        }
        if Double(missing) > thresholds.maximumMissingFraction * Double(slice.count) { failures.append("\(modality.name).missing") }
        if modality.checksFlatness, Double(flatFrames) > thresholds.maximumFlatFraction * Double(frames) { failures.append("\(modality.name).flat") }
        if Double(clipped) > thresholds.maximumClippedFraction * Double(slice.count) { failures.append("\(modality.name).clipped") }
        return failures
    }

    /// Per-frame class codes of one label, from a label track or from label intervals.
    struct ClassSource {
        var name: String
        var rate: Double
        var startOffset: Double
        var codes: [Int32]
        var classCount: Int

        func majority(from start: Double, to end: Double) -> Int64 {
            let first = max(0, Int(((start - startOffset) * rate).rounded()))
            let last = min(codes.count, Int(((end - startOffset) * rate).rounded()))
            guard first < last else { return -1 }
            var counts = [Int](repeating: 0, count: classCount)
            for index in first..<last where codes[index] >= 0 { counts[Int(codes[index])] += 1 }
            guard let best = counts.indices.max(by: { counts[$0] < counts[$1] }), 2 * counts.reduce(0, +) >= last - first else { return -1 }
            return Int64(best)
        }
    }

    static func classSource(_ specification: WindowLabelSpecification, recording: Recording, reference: SensorStream) throws -> ClassSource? {
        guard case .majorityClass(let name, let classNames) = specification else { return nil }
        if let track = recording.labelTracks[name] {
            let mapping = track.classNames.map { Int32(classNames.firstIndex(of: $0) ?? -1) }
            return ClassSource(name: name, rate: track.samplingRate, startOffset: track.startOffset,
                               codes: track.codes.map { $0 < 0 ? -1 : mapping[Int($0)] }, classCount: classNames.count)
        }
        return ClassSource(name: name, rate: reference.samplingRate, startOffset: reference.startOffset,
                           codes: recording.labelCodes(forStream: reference.name, classNames: classNames), classCount: classNames.count)
    }

    /// Mean of the first channel of `stream` over `[start, end)` seconds, NaN ignored.
    static func mean(of stream: SensorStream, from start: Double, to end: Double) -> Float {
        guard stream.samplingRate > 0 else { return .nan }
        let first = max(0, Int(((start - stream.startOffset) * stream.samplingRate).rounded()))
        let last = min(stream.frameCount, Int(((end - stream.startOffset) * stream.samplingRate).rounded()))
        var sum = 0.0, count = 0
        if first < last {
            for frame in first..<last {
                let value = stream.samples[frame * stream.channelCount]
                if !value.isNaN { sum += Double(value); count += 1 }
            }
        }
        return count == 0 ? .nan : Float(sum / Double(count))
    }
}
