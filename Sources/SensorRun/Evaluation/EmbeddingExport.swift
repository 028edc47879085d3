import Foundation
import SafeTensors
import SensorData
import SensorEval
import SensorPretrain
import SensorTensor

/// `embeddings.safetensors`: pooled encoder embeddings of windows with what identifies them.
///
/// | key | dtype, shape | holds |
/// | --- | --- | --- |
/// | `embeddings` | F32 [N, D] | the pooled embedding of each window |
/// | `start_seconds` | F32 [N] | window start from its recording's start |
/// | `subject_index` | I64 [N] | index into the metadata's `subjects` (one recording per subject) |
/// | `window_index` | I64 [N] | the window's position in the dataset |
/// | `label.<name>` | I64 [N] (class, −1 unlabelled) or F32 [N] (value, NaN unlabelled) | each window label |
///
/// Metadata: `subjects` and `label.<name>.classes` as JSON lists, `dataset_manifest_sha256`, `encoder`.
public enum EmbeddingExport {
    public static let fileName = "embeddings.safetensors"

    /// Embeds the windows at `indices` with `encoder` and writes the file atomically.
    public static func write(encoder: any Encoder, dataset: EvaluationDataset, indices: [Int], encoderDescription: String,
                             batchSize: Int, to url: URL) throws {
        let cache = try EmbeddingCache(encoder: encoder, windows: dataset.windows, batchSize: batchSize)
        try write(cache: cache, dataset: dataset, indices: indices, encoderDescription: encoderDescription, to: url)
    }

    /// Writes the embeddings `cache` holds (or computes) for `indices`.
    public static func write(cache: EmbeddingCache, dataset: EvaluationDataset, indices: [Int], encoderDescription: String,
                             to url: URL) throws {
        let windows = dataset.windows
        let embedded = cache.embeddings(indices)
        guard embedded.scalars.allSatisfy(\.isFinite) else {
            throw RunError.io(path: url.path, "the encoder produced non-finite embeddings; nothing was written")
        }
        var metadata = ["encoder": encoderDescription, "dataset_manifest_sha256": dataset.manifestHash,
                        "subjects": json(windows.subjects)]
        var file = SafeTensorsFile()
        file["embeddings"] = SafeTensorsEntry(floats: embedded.scalars, shape: [indices.count, cache.dimensions])
        file["start_seconds"] = SafeTensorsEntry(floats: indices.map { windows.startSeconds[$0] }, shape: [indices.count])
        file["subject_index"] = SafeTensorsEntry(int64s: indices.map { windows.subjectIndices[$0] }, shape: [indices.count])
        file["window_index"] = SafeTensorsEntry(int64s: indices.map { Int64($0) }, shape: [indices.count])
        for entry in windows.labelSchema {
            if let classes = windows.classLabels[entry.name] {
                file["label.\(entry.name)"] = SafeTensorsEntry(int64s: indices.map { classes[$0] }, shape: [indices.count])
                metadata["label.\(entry.name).classes"] = json(entry.classNames ?? [])
            } else if let values = windows.valueLabels[entry.name] {
                file["label.\(entry.name)"] = SafeTensorsEntry(floats: indices.map { values[$0] }, shape: [indices.count])
            }
        }
        file.metadata = metadata
        do { try file.write(to: url) } catch {
            throw RunError.io(path: url.path, "cannot write the embeddings: \(error)")
        }
    }

    /// At most `limit` of `indices`, evenly spaced (deterministic), for plots.
    public static func evenlySpaced(_ indices: [Int], limit: Int) -> [Int] {
        guard indices.count > limit, limit > 0 else { return indices }
        return (0..<limit).map { indices[$0 * indices.count / limit] }
    }

    static func json(_ strings: [String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: strings, options: [.sortedKeys])) ?? Data("[]".utf8), as: UTF8.self)
    }
}
