import Foundation
import SensorData
import SensorEval

/// The windows an evaluation, prediction or embedding reads: a dataset folder with its manifest
/// and the manifest's SHA-256 (recorded for provenance).
public struct EvaluationDataset {
    public let directory: URL
    public let manifest: DatasetManifest
    public let manifestHash: String
    public let windows: WindowSet

    /// Loads the dataset at `directory`.
    /// - Throws: `RunError.io` naming the folder when it is not a readable dataset.
    public static func load(_ directory: URL) throws -> EvaluationDataset {
        let directory = directory.standardizedFileURL
        do {
            let (windows, manifest) = try DatasetReader.load(from: directory)
            let bytes = try Data(contentsOf: directory.appendingPathComponent(DatasetManifest.fileName))
            return EvaluationDataset(directory: directory, manifest: manifest, manifestHash: SHA256.hexDigest(bytes), windows: windows)
        } catch {
            throw RunError.io(path: directory.path, "cannot load the dataset: \(error)")
        }
    }

    /// The labelled windows of `task`, or an error naming the config key when the dataset lacks its label.
    func targets(_ task: TaskSpec, configurationPath: String, configuration: EvaluationConfiguration) throws -> TaskTargets {
        do { return try TaskTargets(task: task, windows: windows) } catch {
            throw configuration.error(.inconsistent, at: configurationPath, "\(error) (dataset \(directory.path))")
        }
    }
}
