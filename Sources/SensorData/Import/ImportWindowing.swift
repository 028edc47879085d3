import Foundation

/// Chooses how imported recordings become a windowed dataset (`sensorfm data import`): which streams
/// become modalities at which rates, and which labels the windows carry.
///
/// Modalities: every regular stream some recording has (`ppg`, `acc`, `temp`, `eda` first, then any
/// other, such as `gyro`, by name) at its native rate, the rate most recordings have it at. A recording
/// that lacks a modality, or has it at another rate, still imports: its windows mark the modality absent
/// (NaN, never imputed) and the manifest lists the recording. `hr` is not a modality: the E4 computes it
/// from the BVP, and it is the source of the `heart_rate` label, which an input must not hand over.
/// A modality whose rate does not give the window a whole number of samples is left out with a note;
/// only when no modality is left is it an error. Labels: `condition` (majority class over the window)
/// from interval labels such as WESAD's protocol conditions, `recording_label` from a labelled
/// collection's per-recording labels, and `heart_rate` (mean of the `hr` stream, bpm; NaN for windows of
/// recordings without one) when some recording has one.
public enum ImportWindowing {
    /// Name of the window label drawn from interval labels (WESAD conditions).
    public static let conditionLabel = "condition"
    /// Name of the window label drawn from a labelled collection's per-recording label.
    public static let recordingLabel = "recording_label"
    /// Name of the window label holding the mean of the `hr` stream.
    public static let heartRateLabel = "heart_rate"
    /// Streams that feed labels, never modalities.
    static let labelStreams: Set<String> = [SensorStream.StandardName.heartRate]
    /// Modalities listed first, in this order; others follow by name.
    static let leadingModalities = [SensorStream.StandardName.ppg, SensorStream.StandardName.accelerometer,
                                    SensorStream.StandardName.temperature, SensorStream.StandardName.electrodermalActivity]
    /// Streams at least this fast count runs of identical frames as flat (PPG, accelerometer, gyroscope);
    /// slower ones (temperature, EDA) are legitimately constant for seconds.
    static let flatnessCheckRate = 16.0

    public struct Plan: Sendable, Equatable {
        public var configuration: WindowingConfiguration
        /// What was left out or is absent, and why, for the import summary.
        public var notes: [String]
    }

    /// The windowing of `recordings` with windows of `windowSeconds` every `strideSeconds`.
    /// - Parameter source: names the import source in errors.
    /// - Throws: `DataError.missingModality` when no recording has a regular stream that fits the window;
    ///   `DataError.invalidValue` for a bad window or stride.
    public static func plan(for recordings: [Recording], windowSeconds: Double, strideSeconds: Double,
                            source: String) throws -> Plan {
        if let problem = DataCommandArguments.windowProblem(windowSeconds: windowSeconds, strideSeconds: strideSeconds) {
            throw DataError(.invalidValue, file: source, problem)
        }
        guard !recordings.isEmpty else {
            throw DataError(.noUsableStream, file: source, "expected at least one recording, found none")
        }
        var notes: [String] = [], unfit: [String] = []
        var modalities: [ModalitySpecification] = []
        for name in modalityNames(recordings) {
            let holders = recordings.compactMap { recording in
                recording.streams[name].flatMap { $0.isEventStream ? nil : (recording, $0) }
            }
            let rate = commonRate(holders.map(\.1.samplingRate))
            let samples = windowSeconds * rate
            guard abs(samples - samples.rounded()) < 1e-6 else {
                unfit.append("\(name) at \(formatSeconds(rate)) Hz needs a multiple of \(sampleInterval(rate)) s")
                notes.append("modality \(name) at \(formatSeconds(rate)) Hz left out: a \(formatSeconds(windowSeconds)) s window is not a whole number of its samples (use a multiple of \(sampleInterval(rate)) s)")
                continue
            }
            let first = holders.first { abs($0.1.samplingRate - rate) <= 1e-9 * rate }!.1
            modalities.append(ModalitySpecification(name: name, samplingRate: rate, checksFlatness: rate >= flatnessCheckRate,
                                                    allowsAbsence: true, channelNames: first.channelNames, unit: first.unit))
            let absent = recordings.filter { recording in
                guard let stream = recording.streams[name], !stream.isEventStream else { return true }
                return abs(stream.samplingRate - rate) > 1e-9 * rate
            }
            if !absent.isEmpty {
                let names = absent.prefix(5).map { recording in
                    let other = recording.streams[name].map { " at \(formatSeconds($0.samplingRate)) Hz" } ?? ""
                    return "\(recording.subjectID)/\(recording.sessionID)\(other)"
                }.joined(separator: ", ")
                notes.append("modality \(name) at \(formatSeconds(rate)) Hz absent from \(absent.count) recording(s), marked absent in their windows (\(names)\(absent.count > 5 ? ", ..." : ""))")
            }
        }
        guard !modalities.isEmpty else {
            let found = Set(recordings.flatMap(\.streamNames)).sorted().joined(separator: ", ")
            let reason = unfit.isEmpty ? "" : "; with a \(formatSeconds(windowSeconds)) s window: " + unfit.joined(separator: ", ")
            throw DataError(.missingModality, file: source,
                            "expected a regular stream (ppg, acc, temp, eda or any other, not hr or ibi) whose rate fits the window; the recordings have: \(found.isEmpty ? "no streams" : found)\(reason)")
        }
        var labels: [WindowLabelSpecification] = []
        let conditions = Set(recordings.flatMap { $0.labels.filter { $0.end > $0.start }.map(\.label) }).sorted()
        if !conditions.isEmpty { labels.append(.majorityClass(name: conditionLabel, classNames: conditions)) }
        let recordingLabels = Set(recordings.compactMap(\.recordingLabel)).sorted()
        if !recordingLabels.isEmpty { labels.append(.majorityClass(name: recordingLabel, classNames: recordingLabels)) }
        if recordings.contains(where: { $0.streams[SensorStream.StandardName.heartRate].map { !$0.isEventStream } ?? false }) {
            labels.append(.streamMean(name: heartRateLabel, stream: SensorStream.StandardName.heartRate, unit: "bpm"))
        }
        let configuration = WindowingConfiguration(windowSeconds: windowSeconds, strideSeconds: strideSeconds,
                                                   modalities: modalities, labels: labels)
        return Plan(configuration: configuration, notes: notes)
    }

    /// Names of the regular, non-label streams of `recordings`: the leading ones first, then by name.
    static func modalityNames(_ recordings: [Recording]) -> [String] {
        let names = Set(recordings.flatMap { recording in
            recording.streams.values.filter { !$0.isEventStream && !labelStreams.contains($0.name) }.map(\.name)
        })
        return leadingModalities.filter(names.contains) + names.subtracting(leadingModalities).sorted()
    }

    /// One sample's duration at `rate`, exactly (`1/64`) when the rate is a whole number.
    static func sampleInterval(_ rate: Double) -> String {
        rate == rate.rounded() && rate < 1e9 ? "1/\(Int(rate))" : formatSeconds(1 / rate)
    }

    /// The rate most streams have (the higher one on a tie).
    static func commonRate(_ rates: [Double]) -> Double {
        var counts: [(rate: Double, count: Int)] = []
        for rate in rates {
            if let index = counts.firstIndex(where: { abs($0.rate - rate) <= 1e-9 * rate }) { counts[index].count += 1 } else { counts.append((rate, 1)) }
        }
        return counts.max { ($0.count, $0.rate) < ($1.count, $1.rate) }!.rate
    }

    /// `recording` with its per-recording label (if any) as a 1 Hz label track named `recording_label`
    /// covering the whole recording, so every window of it carries that label.
    public static func prepared(_ recording: Recording, plan: Plan) -> Recording {
        guard let label = recording.recordingLabel,
              case .majorityClass(_, let classNames)? = plan.configuration.labels.first(where: { $0.name == recordingLabel }),
              let code = classNames.firstIndex(of: label)
        else { return recording }
        var copy = recording
        let frames = max(1, Int(recording.duration.rounded(.up)))
        copy.labelTracks[recordingLabel] = LabelTrack(name: recordingLabel, samplingRate: 1, classNames: classNames,
                                                      codes: [Int32](repeating: Int32(code), count: frames))
        return copy
    }
}
