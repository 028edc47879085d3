import Foundation
import SensorData
import SensorPretrain
import SensorTensor

/// The windows a run trains and validates on, after every check that can fail before training.
public struct RunData: Sendable {
    /// The dataset folder (a cached synthetic cohort or the configured folder).
    public let directory: URL
    public let manifest: DatasetManifest
    /// SHA-256 of `manifest.json`'s bytes (which include every shard's SHA-256).
    public let manifestHash: String
    public let split: SubjectSplit
    public let train: WindowSet
    public let validation: WindowSet
    /// Token layout of the model's modalities, in `model.patches` order.
    public let layout: PatchLayout

    /// Finds or generates the dataset, checks the model's modalities and patches against it, splits it
    /// by subject and checks the batch fits. `log` hears about slow steps (generating a cohort).
    public static func prepare(_ configuration: RunConfiguration, log: (String) -> Void = { _ in }) throws -> RunData {
        let directory = try datasetDirectory(configuration, log: log)
        let manifestURL = directory.appendingPathComponent(DatasetManifest.fileName)
        let manifest: DatasetManifest
        let manifestBytes: Data
        do {
            manifest = try DatasetReader.manifest(at: directory)
            manifestBytes = try Data(contentsOf: manifestURL)
        } catch {
            throw configuration.error(.missingFile, at: "data.path", "cannot read the dataset at \(directory.path): \(error)")
        }
        if abs(manifest.windowSeconds - configuration.windowing.windowSeconds) > 1e-9 {
            throw configuration.error(.inconsistent, at: "windowing.window_seconds",
                                      "the dataset at \(directory.path) has \(manifest.windowSeconds) s windows, the config says \(configuration.windowing.windowSeconds) s")
        }
        let layout = try patchLayout(configuration, manifest: manifest, directory: directory)
        try RunObjectives.validate(configuration, layout: layout)
        var loaded: WindowSet
        do {
            loaded = try DatasetReader.load(from: directory).windows
        } catch {
            throw configuration.error(.missingFile, at: "data.path", "cannot load the dataset at \(directory.path): \(error)")
        }
        // Only the model's modalities are batched; windows lacking one of them are not trained on.
        let required = layout.modalities.map(\.name)
        loaded = loaded.keeping(modalities: Set(required))
        if required.contains(where: { loaded.absentCount($0) > 0 }) {
            let complete = loaded.windowIndices(havingAll: required)
            log("\(loaded.windowCount - complete.count) of \(loaded.windowCount) windows lack one of \(required.joined(separator: ", ")) and are left out")
            loaded = loaded.subset(windows: complete)
        }
        let split = SubjectSplit(subjects: manifest.subjects, validationFraction: configuration.split.validationFraction,
                                 testFraction: configuration.split.testFraction, seed: configuration.split.seed)
        let train = loaded.subset(subjects: Set(split.train))
        let validation = loaded.subset(subjects: Set(split.validation))
        if configuration.training.batchSize > train.windowCount {
            throw configuration.error(.outOfRange, at: "training.batch_size",
                                      "batch of \(configuration.training.batchSize) is larger than the \(train.windowCount) training windows (subjects \(split.train.joined(separator: ", ")))")
        }
        if configuration.training.validationInterval > 0, validation.windowCount == 0 {
            throw configuration.error(.outOfRange, at: "split.validation_fraction",
                                      "validation is on (training.validation_interval) but no subject is left for validation")
        }
        return RunData(directory: directory, manifest: manifest, manifestHash: SHA256.hexDigest(manifestBytes), split: split,
                       train: train, validation: validation, layout: layout)
    }

    /// The configured folder, or the synthetic cohort's cache folder (generated when absent).
    static func datasetDirectory(_ configuration: RunConfiguration, log: (String) -> Void) throws -> URL {
        switch configuration.data.source {
        case .folder(let url):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw configuration.error(.missingFile, at: "data.path", "no dataset folder at \(url.path)")
            }
            return url
        case .synthetic(let subjects, let hours, let seed):
            let key = cohortKey(subjects: subjects, hours: hours, seed: seed, windowing: configuration.windowing)
            let directory = configuration.data.cache.appendingPathComponent(String(SHA256.hexDigest(Array(key.utf8)).prefix(16)))
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(DatasetManifest.fileName).path) {
                return directory
            }
            log("generating the synthetic cohort (\(key)) into \(directory.path)")
            let windowing = WindowingConfiguration(windowSeconds: configuration.windowing.windowSeconds,
                                                   strideSeconds: configuration.windowing.strideSeconds,
                                                   modalities: WindowingConfiguration.wristModalities,
                                                   labels: WindowingConfiguration.cohortLabels)
            // The cohort is written to a folder of this writer's own and renamed into place, so a killed run leaves no
            // half cohort and two runs generating the same cohort at once both end with one complete copy.
            let manager = FileManager.default
            let own = configuration.data.cache.appendingPathComponent(".\(directory.lastPathComponent)-\(UUID().uuidString)")
            defer { try? manager.removeItem(at: own) }
            do {
                try manager.createDirectory(at: configuration.data.cache, withIntermediateDirectories: true)
                try SyntheticCohort.writeDataset(SyntheticCohort.Configuration(subjects: subjects, hours: hours, seed: seed),
                                                 windowing: windowing, to: own)
                // A folder without a manifest is a cohort an older version left half written.
                if manager.fileExists(atPath: directory.path),
                   !manager.fileExists(atPath: directory.appendingPathComponent(DatasetManifest.fileName).path) {
                    try manager.removeItem(at: directory)
                }
                try manager.moveItem(at: own, to: directory)
            } catch {
                // Another run finished the same cohort first: the same parameters give the same windows, so use it.
                if manager.fileExists(atPath: directory.appendingPathComponent(DatasetManifest.fileName).path) { return directory }
                throw configuration.error(.missingFile, at: "data.cache", "cannot write the synthetic cohort to \(directory.path): \(error)")
            }
            return directory
        }
    }

    /// The cache key of a synthetic cohort: every parameter that changes its windows.
    static func cohortKey(subjects: Int, hours: Double, seed: UInt64, windowing: WindowingSettings) -> String {
        "synthetic-cohort v1 subjects=\(subjects) hours=\(hours) seed=\(seed) window=\(windowing.windowSeconds) stride=\(windowing.strideSeconds)"
    }

    /// Patches per modality from `model.patches` and the dataset's rates and channels.
    /// A modality the model needs and the dataset lacks (or lacks in every window) is an error naming both.
    static func patchLayout(_ configuration: RunConfiguration, manifest: DatasetManifest, directory: URL? = nil) throws -> PatchLayout {
        let available = manifest.modalities.map(\.name)
        let dataset = directory.map { "the dataset at \($0.path)" } ?? "the dataset"
        let modalities = try configuration.model.patchSeconds.map { modality, seconds -> ModalityPatching in
            let path = "model.patches.\(modality)"
            guard let stored = manifest.modalities.first(where: { $0.name == modality }) else {
                throw configuration.error(.unknownKey, at: path,
                                          "unknown modality \"\(modality)\": \(dataset) has \(available.joined(separator: ", "))",
                                          suggestion: ConfigError.nearest(modality, in: available).map { "model.patches.\($0)" })
            }
            guard stored.absentWindows < manifest.windows || manifest.windows == 0 else {
                throw configuration.error(.inconsistent, at: path,
                                          "modality \"\(modality)\" is absent from every window of \(dataset) (recordings without it: \(stored.absentRecordings.prefix(5).joined(separator: ", "))\(stored.absentRecordings.count > 5 ? ", ..." : ""))")
            }
            let samples = seconds * stored.samplingRate
            guard samples >= 1, abs(samples - samples.rounded()) < 1e-6 else {
                throw configuration.error(.inconsistent, at: path,
                                          "a \(seconds) s patch at \(stored.samplingRate) Hz is not a whole number of samples")
            }
            let patchSamples = Int(samples.rounded())
            guard stored.samplesPerWindow % patchSamples == 0 else {
                throw configuration.error(.inconsistent, at: path,
                                          "a \(seconds) s patch (\(patchSamples) samples) does not divide the \(manifest.windowSeconds) s window (\(stored.samplesPerWindow) samples)")
            }
            return ModalityPatching(name: modality, channels: stored.channels.count, patchSamples: patchSamples,
                                    tokenCount: stored.samplesPerWindow / patchSamples)
        }
        return PatchLayout(modalities: modalities)
    }
}
