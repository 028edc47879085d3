import Foundation

/// One input modality of a windowed dataset: a recording stream at a required rate.
public struct ModalitySpecification: Sendable, Codable, Equatable {
    /// Stream name in the recordings (`SensorStream.StandardName`).
    public var name: String
    /// Required sampling rate (Hz); a recording with another rate is an error naming both.
    public var samplingRate: Double
    /// Whether runs of identical frames count against the window (PPG, accelerometer); off for slow,
    /// quantised streams such as temperature, which is legitimately constant for seconds.
    public var checksFlatness: Bool
    /// Whether a recording may lack this stream (imports: every stream some recording has). Its windows
    /// then hold NaN for it and are marked absent (`WindowSet.present`); nothing is imputed. A stream at
    /// another rate counts as absent too. Otherwise a missing stream is an error.
    public var allowsAbsence: Bool
    /// Channels and unit of the stream, for windows of recordings that lack it (taken from the stream
    /// when the recording has it).
    public var channelNames: [String]?
    public var unit: String?

    public init(name: String, samplingRate: Double, checksFlatness: Bool = true, allowsAbsence: Bool = false,
                channelNames: [String]? = nil, unit: String? = nil) {
        precondition(!allowsAbsence || channelNames?.isEmpty == false,
                     "ModalitySpecification(\(name)): a modality that may be absent needs its channel names")
        self.name = name
        self.samplingRate = samplingRate
        self.checksFlatness = checksFlatness
        self.allowsAbsence = allowsAbsence
        self.channelNames = channelNames
        self.unit = unit
    }
}

/// A label attached to every window.
public enum WindowLabelSpecification: Sendable, Codable, Equatable {
    /// The most frequent class over the window (-1 when more than half the window is unlabelled), from the
    /// recording's label track `name` or, without one, from its label intervals whose labels are in `classNames`.
    case majorityClass(name: String, classNames: [String])
    /// The mean of a one-channel stream over the window, NaN ignored (NaN when no value); e.g. heart rate,
    /// the mean of instantaneous heart rate over the window.
    case streamMean(name: String, stream: String, unit: String)

    public var name: String {
        switch self {
        case .majorityClass(let name, _), .streamMean(let name, _, _): return name
        }
    }
}

/// Limits above which a window is dropped; each failing check is counted under its reason.
public struct QualityThresholds: Sendable, Codable, Equatable {
    /// Largest fraction of NaN values in any modality.
    public var maximumMissingFraction: Double
    /// Frames repeating the previous one for at least this long form a flat run.
    public var flatRunSeconds: Double
    /// Largest fraction of frames inside flat runs (modalities that check flatness).
    public var maximumFlatFraction: Double
    /// Largest fraction of values at or beyond the stream's valid range.
    public var maximumClippedFraction: Double

    public init(maximumMissingFraction: Double = 0.1, flatRunSeconds: Double = 1, maximumFlatFraction: Double = 0.2,
                maximumClippedFraction: Double = 0.05) {
        self.maximumMissingFraction = maximumMissingFraction
        self.flatRunSeconds = flatRunSeconds
        self.maximumFlatFraction = maximumFlatFraction
        self.maximumClippedFraction = maximumClippedFraction
    }
}

/// How recordings are cut into windows: lengths in seconds, modalities, labels and the quality filter.
public struct WindowingConfiguration: Sendable, Codable, Equatable {
    public var windowSeconds: Double
    public var strideSeconds: Double
    public var modalities: [ModalitySpecification]
    public var labels: [WindowLabelSpecification]
    public var quality: QualityThresholds

    public init(windowSeconds: Double, strideSeconds: Double, modalities: [ModalitySpecification],
                labels: [WindowLabelSpecification], quality: QualityThresholds = QualityThresholds()) {
        precondition(windowSeconds > 0 && strideSeconds > 0,
                     "WindowingConfiguration: window \(windowSeconds) s and stride \(strideSeconds) s must be positive")
        precondition(!modalities.isEmpty, "WindowingConfiguration: at least one modality is required")
        for modality in modalities {
            let samples = windowSeconds * modality.samplingRate
            precondition(abs(samples - samples.rounded()) < 1e-6 && samples >= 1,
                         "WindowingConfiguration: \(windowSeconds) s at \(modality.samplingRate) Hz (\(modality.name)) is not a whole number of samples")
        }
        self.windowSeconds = windowSeconds
        self.strideSeconds = strideSeconds
        self.modalities = modalities
        self.labels = labels
        self.quality = quality
    }

    /// Samples of `modality` in one window.
    public func samplesPerWindow(_ modality: ModalitySpecification) -> Int {
        Int((windowSeconds * modality.samplingRate).rounded())
    }

    /// The wrist modalities at Empatica E4 rates: PPG 64 Hz, accelerometer 32 Hz, temperature 4 Hz.
    public static let wristModalities = [
        ModalitySpecification(name: SensorStream.StandardName.ppg, samplingRate: 64),
        ModalitySpecification(name: SensorStream.StandardName.accelerometer, samplingRate: 32),
        ModalitySpecification(name: SensorStream.StandardName.temperature, samplingRate: 4, checksFlatness: false),
    ]

    /// The synthetic cohort's labels: activity, heart rate (mean instantaneous HR, bpm), arousal.
    public static let cohortLabels: [WindowLabelSpecification] = [
        .majorityClass(name: "activity", classNames: SyntheticActivity.labelNames),
        .streamMean(name: "heart_rate", stream: SensorStream.StandardName.heartRate, unit: "bpm"),
        .majorityClass(name: "arousal", classNames: SyntheticArousal.labelNames),
    ]

    /// 30 s windows every 10 s, the pretraining default.
    public static let standard = WindowingConfiguration(windowSeconds: 30, strideSeconds: 10,
                                                        modalities: wristModalities, labels: cohortLabels)

    /// 8 s windows every 2 s, the heart-rate protocol of PPG-DaLiA (Reiss et al., Sensors 2019).
    public static let heartRate = WindowingConfiguration(windowSeconds: 8, strideSeconds: 2,
                                                         modalities: wristModalities, labels: cohortLabels)
}
