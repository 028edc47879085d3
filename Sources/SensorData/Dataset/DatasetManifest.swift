import Foundation

/// `manifest.json` at the top of a dataset folder: what the shards hold and how to check them.
///
/// Shards are safetensors files holding, for their windows: one float32 tensor per modality shaped
/// `[windows, samples, channels]` (named by the modality), `label.<name>` (int64 class index, -1 = none,
/// or float32 value, NaN = none) shaped `[windows]`, `subject` (int64 index into `subjects`) and
/// `start_seconds` (float32, window start from its recording's start), and `present.<modality>` (bool
/// `[windows]`, false where the window's recording lacks the modality and its values are NaN) in shards
/// where some window lacks it. `sha256` is the hash of the shard's bytes, checked on every load.
public struct DatasetManifest: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1
    public static let fileName = "manifest.json"
    public static let formatName = "sensorfm-windows"

    public struct Modality: Sendable, Codable, Equatable {
        public var name: String
        public var samplingRate: Double
        public var channels: [String]
        public var unit: String
        public var samplesPerWindow: Int
        /// Per-channel mean and standard deviation over all stored windows (NaN ignored).
        public var mean: [Double]
        public var standardDeviation: [Double]
        /// Windows whose recording lacks this modality (stored as NaN, flagged in `present.<name>`).
        public var absentWindows: Int
        /// The recordings (`subject/session`) that lack it, or have it at another rate.
        public var absentRecordings: [String]

        public init(name: String, samplingRate: Double, channels: [String], unit: String, samplesPerWindow: Int,
                    mean: [Double], standardDeviation: [Double], absentWindows: Int = 0, absentRecordings: [String] = []) {
            self.name = name
            self.samplingRate = samplingRate
            self.channels = channels
            self.unit = unit
            self.samplesPerWindow = samplesPerWindow
            self.mean = mean
            self.standardDeviation = standardDeviation
            self.absentWindows = absentWindows
            self.absentRecordings = absentRecordings
        }

        /// Datasets written before absence was recorded have every modality in every window.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(name: try container.decode(String.self, forKey: .name),
                      samplingRate: try container.decode(Double.self, forKey: .samplingRate),
                      channels: try container.decode([String].self, forKey: .channels),
                      unit: try container.decode(String.self, forKey: .unit),
                      samplesPerWindow: try container.decode(Int.self, forKey: .samplesPerWindow),
                      mean: try container.decode([Double].self, forKey: .mean),
                      standardDeviation: try container.decode([Double].self, forKey: .standardDeviation),
                      absentWindows: try container.decodeIfPresent(Int.self, forKey: .absentWindows) ?? 0,
                      absentRecordings: try container.decodeIfPresent([String].self, forKey: .absentRecordings) ?? [])
        }

        /// The absence keys are written only when something is absent, so a complete dataset's manifest
        /// reads as before.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(samplingRate, forKey: .samplingRate)
            try container.encode(channels, forKey: .channels)
            try container.encode(unit, forKey: .unit)
            try container.encode(samplesPerWindow, forKey: .samplesPerWindow)
            try container.encode(mean, forKey: .mean)
            try container.encode(standardDeviation, forKey: .standardDeviation)
            if absentWindows != 0 { try container.encode(absentWindows, forKey: .absentWindows) }
            if !absentRecordings.isEmpty { try container.encode(absentRecordings, forKey: .absentRecordings) }
        }

        enum CodingKeys: String, CodingKey {
            case name, channels, unit, mean
            case samplingRate = "sampling_rate", samplesPerWindow = "samples_per_window", standardDeviation = "std"
            case absentWindows = "absent_windows", absentRecordings = "absent_recordings"
        }
    }

    public struct Label: Sendable, Codable, Equatable {
        public var name: String
        public var kind: LabelSchemaEntry.Kind
        public var classNames: [String]?
        public var unit: String?

        enum CodingKeys: String, CodingKey { case name, kind, unit, classNames = "class_names" }
    }

    public struct Shard: Sendable, Codable, Equatable {
        public var file: String
        public var windows: Int
        public var bytes: Int
        public var sha256: String
    }

    public struct Quality: Sendable, Codable, Equatable {
        public var windowsConsidered: Int
        public var windowsKept: Int
        public var windowsRejected: Int
        public var rejections: [String: Int]
        public var thresholds: QualityThresholds

        enum CodingKeys: String, CodingKey {
            case rejections, thresholds
            case windowsConsidered = "windows_considered", windowsKept = "windows_kept", windowsRejected = "windows_rejected"
        }
    }

    public var schemaVersion: Int
    public var format: String
    public var windowSeconds: Double
    public var strideSeconds: Double
    public var modalities: [Modality]
    public var labels: [Label]
    public var subjects: [String]
    public var windows: Int
    public var shards: [Shard]
    public var quality: Quality
    /// What produced the data (`"synthetic"` with its parameters, or an import source), as strings.
    public var source: [String: String]

    enum CodingKeys: String, CodingKey {
        case format, modalities, labels, subjects, windows, shards, quality, source
        case schemaVersion = "schema_version", windowSeconds = "window_seconds", strideSeconds = "stride_seconds"
    }

    /// Encodes with sorted keys and indentation, so equal manifests are equal bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Decodes and validates a manifest; `file` names it in errors.
    /// - Throws: `DataError.invalidDescription` for malformed JSON, a missing key, another schema version or
    ///   inconsistent counts.
    public static func decode(_ data: Data, file: String) throws -> DatasetManifest {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let manifest: DatasetManifest
        do {
            manifest = try decoder.decode(DatasetManifest.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw DataError(.invalidDescription, file: file, "missing key \"\(key.stringValue)\" at \(path(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw DataError(.invalidDescription, file: file, "wrong type at \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw DataError(.invalidDescription, file: file, "malformed JSON at \(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw DataError(.invalidDescription, file: file, "cannot decode the manifest: \(error)")
        }
        try manifest.validate(file: file)
        return manifest
    }

    private static func path(_ codingPath: [CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Where each modality sits in a window, as `WindowSet` holds it.
    public var layouts: [ModalityLayout] {
        modalities.map {
            ModalityLayout(name: $0.name, samplingRate: $0.samplingRate, channelNames: $0.channels, unit: $0.unit,
                           samplesPerWindow: $0.samplesPerWindow)
        }
    }

    /// The window labels, as `WindowSet` holds them.
    public var labelSchema: [LabelSchemaEntry] {
        labels.map { label in
            switch label.kind {
            case .classIndex: return LabelSchemaEntry(.majorityClass(name: label.name, classNames: label.classNames ?? []))
            case .value: return LabelSchemaEntry(.streamMean(name: label.name, stream: "", unit: label.unit ?? ""))
            }
        }
    }

    func validate(file: String) throws {
        func fail(_ message: String) -> DataError { DataError(.invalidDescription, file: file, message) }
        guard schemaVersion == Self.currentSchemaVersion else {
            throw fail("schema_version \(schemaVersion) is not supported (this build reads \(Self.currentSchemaVersion))")
        }
        guard format == Self.formatName else { throw fail("format \"\(format)\" is not \"\(Self.formatName)\"") }
        guard windowSeconds > 0, strideSeconds > 0 else { throw fail("window_seconds and stride_seconds must be positive") }
        guard !modalities.isEmpty else { throw fail("no modalities") }
        for modality in modalities {
            guard modality.samplingRate > 0, modality.samplesPerWindow > 0, modality.samplesPerWindow <= 10_000_000,
                  !modality.channels.isEmpty, modality.channels.count <= 4096,
                  modality.mean.count == modality.channels.count, modality.standardDeviation.count == modality.channels.count else {
                throw fail("modality \"\(modality.name)\": rate, samples_per_window, channels and statistics must be positive and agree")
            }
            guard modality.absentWindows >= 0, modality.absentWindows <= windows else {
                throw fail("modality \"\(modality.name)\": absent_windows \(modality.absentWindows) must lie in 0...\(windows)")
            }
        }
        for label in labels where label.kind == .classIndex && (label.classNames ?? []).isEmpty {
            throw fail("label \"\(label.name)\" is a class label without class_names")
        }
        guard windows >= 0, shards.allSatisfy({ $0.windows >= 0 && $0.bytes >= 0 }),
              shards.reduce(0, { $0 + $1.windows }) == windows else {
            throw fail("the shards' window counts do not add up to windows = \(windows)")
        }
        for shard in shards where shard.file.contains("/") || shard.file.hasPrefix(".") || shard.file.isEmpty {
            throw fail("shard file \"\(shard.file)\" must be a plain file name inside the dataset folder")
        }
    }
}
