import Foundation

/// Chooses how imported recordings become a windowed dataset (`sensorfm data import`): which wrist
/// modalities every recording has at the E4 rates, and which labels the windows carry.
///
/// Modalities: the standard wrist streams (`ppg` 64 Hz, `acc` 32 Hz, `temp` 4 Hz) that every recording
/// holds at that rate; the others are left out with a note (the manifest lists what was written), and
/// only when none is left is it an error. Labels: `condition` (majority class over the window) from
/// interval labels such as WESAD's protocol conditions, `recording_label` from a labelled collection's
/// per-recording labels, and `heart_rate` (mean of the `hr` stream, bpm) when every recording has one.
public enum ImportWindowing {
    /// Name of the window label drawn from interval labels (WESAD conditions).
    public static let conditionLabel = "condition"
    /// Name of the window label drawn from a labelled collection's per-recording label.
    public static let recordingLabel = "recording_label"
    /// Name of the window label holding the mean of the `hr` stream.
    public static let heartRateLabel = "heart_rate"

    public struct Plan: Sendable, Equatable {
        public var configuration: WindowingConfiguration
        /// What was left out and why, for the import summary.
        public var notes: [String]
    }

    /// The windowing of `recordings` with windows of `windowSeconds` every `strideSeconds`.
    /// - Parameter source: names the import source in errors.
    /// - Throws: `DataError.missingModality` when no recording set shares any standard wrist modality at
    ///   its E4 rate; `DataError.invalidValue` when the window is not a whole number of samples.
    public static func plan(for recordings: [Recording], windowSeconds: Double, strideSeconds: Double,
                            source: String) throws -> Plan {
        if let problem = DataCommandArguments.windowProblem(windowSeconds: windowSeconds, strideSeconds: strideSeconds) {
            throw DataError(.invalidValue, file: source, problem)
        }
        guard !recordings.isEmpty else {
            throw DataError(.noUsableStream, file: source, "expected at least one recording, found none")
        }
        var notes: [String] = []
        var modalities: [ModalitySpecification] = []
        for modality in WindowingConfiguration.wristModalities {
            let lacking = recordings.filter { recording in
                guard let stream = recording.streams[modality.name], !stream.isEventStream else { return true }
                return abs(stream.samplingRate - modality.samplingRate) > 1e-9 * modality.samplingRate
            }
            if lacking.isEmpty {
                modalities.append(modality)
            } else {
                let names = lacking.prefix(5).map { "\($0.subjectID)/\($0.sessionID)" }.joined(separator: ", ")
                notes.append("modality \(modality.name) at \(formatSeconds(modality.samplingRate)) Hz left out: absent or at another rate in \(lacking.count) recording(s) (\(names)\(lacking.count > 5 ? ", ..." : ""))")
            }
        }
        guard !modalities.isEmpty else {
            let found = Set(recordings.flatMap(\.streamNames)).sorted().joined(separator: ", ")
            throw DataError(.missingModality, file: source,
                            "expected every recording to hold ppg at 64 Hz, acc at 32 Hz or temp at 4 Hz; the recordings have: \(found.isEmpty ? "no streams" : found)")
        }
        for modality in modalities {
            let samples = windowSeconds * modality.samplingRate
            guard abs(samples - samples.rounded()) < 1e-6 else {
                throw DataError(.invalidValue, file: source,
                                "a \(formatSeconds(windowSeconds)) s window is not a whole number of \(modality.name) samples at \(formatSeconds(modality.samplingRate)) Hz; use a multiple of \(formatSeconds(1 / modality.samplingRate)) s")
            }
        }
        var labels: [WindowLabelSpecification] = []
        let conditions = Set(recordings.flatMap { $0.labels.filter { $0.end > $0.start }.map(\.label) }).sorted()
        if !conditions.isEmpty { labels.append(.majorityClass(name: conditionLabel, classNames: conditions)) }
        let recordingLabels = Set(recordings.compactMap(\.recordingLabel)).sorted()
        if !recordingLabels.isEmpty { labels.append(.majorityClass(name: recordingLabel, classNames: recordingLabels)) }
        if recordings.allSatisfy({ $0.streams[SensorStream.StandardName.heartRate].map { !$0.isEventStream } ?? false }) {
            labels.append(.streamMean(name: heartRateLabel, stream: SensorStream.StandardName.heartRate, unit: "bpm"))
        }
        let configuration = WindowingConfiguration(windowSeconds: windowSeconds, strideSeconds: strideSeconds,
                                                   modalities: modalities, labels: labels)
        return Plan(configuration: configuration, notes: notes)
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
