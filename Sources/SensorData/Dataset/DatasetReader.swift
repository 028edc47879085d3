import Foundation
import SafeTensors
import SensorTensor

/// Reads a dataset folder written by `DatasetWriter`, checking every shard's size and SHA-256 against
/// the manifest before parsing it, so a truncated or tampered shard is an error naming that shard.
public enum DatasetReader {
    /// The validated manifest of the dataset at `directory`.
    public static func manifest(at directory: URL) throws -> DatasetManifest {
        let url = directory.appendingPathComponent(DatasetManifest.fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(.missingFile, file: url.path, "no dataset manifest here (is this a dataset folder?)")
        }
        return try DatasetManifest.decode(data, file: url.path)
    }

    /// All windows of the dataset at `directory`, with its manifest.
    /// - Throws: `DataError.corruptFile` naming the shard whose bytes differ from the manifest, or whose
    ///   tensors do not have the manifest's shapes; `DataError.missingFile` for an absent shard.
    public static func load(from directory: URL) throws -> (windows: WindowSet, manifest: DatasetManifest) {
        let manifest = try manifest(at: directory)
        let layouts = manifest.layouts, schema = manifest.labelSchema
        var set = WindowSet(windowSeconds: manifest.windowSeconds, strideSeconds: manifest.strideSeconds, modalities: layouts,
                            labelSchema: schema, subjects: manifest.subjects)
        try forEachShard(of: manifest, in: directory) { _, result in
            var part = try result.get()
            part.subjects = manifest.subjects
            set.append(contentsOf: part)
        }
        for modality in manifest.modalities where set.absentCount(modality.name) != modality.absentWindows {
            throw DataError(.corruptFile, file: directory.appendingPathComponent(DatasetManifest.fileName).path,
                            "modality \"\(modality.name)\": the shards mark \(set.absentCount(modality.name)) window(s) absent, the manifest says absent_windows = \(modality.absentWindows)")
        }
        return (set, manifest)
    }

    /// Reads (and checks) the shards of `manifest` a few at a time on `Threading`'s threads, and hands
    /// each to `body` in shard order, so memory holds only as many shards as there are threads.
    /// With `verifiesHashes` false only sizes and shapes are checked (for data this process just wrote).
    static func forEachShard(of manifest: DatasetManifest, in directory: URL, verifiesHashes: Bool = true,
                             _ body: (DatasetManifest.Shard, Result<WindowSet, any Error>) throws -> Void) rethrows {
        let layouts = manifest.layouts, schema = manifest.labelSchema, group = max(1, Threading.threadCount)
        for first in stride(from: 0, to: manifest.shards.count, by: group) {
            let members = Array(manifest.shards[first..<min(manifest.shards.count, first + group)])
            let results = UnsafeMutableBufferPointer<Result<WindowSet, any Error>?>.allocate(capacity: members.count)
            results.initialize(repeating: nil)
            defer { results.deinitialize().deallocate() }
            nonisolated(unsafe) let output = results
            Threading.parallelFor(members.count) { range in
                for index in range {
                    output[index] = Result {
                        try readShard(members[index], in: directory, layouts: layouts, schema: schema, subjects: manifest.subjects,
                                      verifiesHash: verifiesHashes)
                    }
                }
            }
            for (index, shard) in members.enumerated() { try body(shard, results[index]!) }
        }
    }

    static func readShard(_ shard: DatasetManifest.Shard, in directory: URL, layouts: [ModalityLayout],
                          schema: [LabelSchemaEntry], subjects: [String], verifiesHash: Bool = true) throws -> WindowSet {
        let url = directory.appendingPathComponent(shard.file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(.missingFile, file: url.path, "shard listed in the manifest is missing")
        }
        guard data.count == shard.bytes else {
            throw DataError(.corruptFile, file: url.path, "shard has \(data.count) bytes, the manifest says \(shard.bytes) (truncated or modified)")
        }
        if verifiesHash {
            let digest = SHA256.hexDigest(data)
            guard digest == shard.sha256 else {
                throw DataError(.corruptFile, file: url.path, "SHA-256 \(digest) differs from the manifest's \(shard.sha256) (the shard was modified)")
            }
        }
        func corrupt(_ message: String) -> DataError { DataError(.corruptFile, file: url.path, message) }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(data: data, source: url.path) } catch { throw corrupt("\(error)") }
        let count = shard.windows
        func entry(_ name: String, shape: [Int]) throws -> SafeTensorsEntry {
            guard let entry = file[name] else { throw corrupt("tensor \"\(name)\" is missing") }
            guard entry.shape == shape else { throw corrupt("tensor \"\(name)\" has shape \(entry.shape), the manifest implies \(shape)") }
            return entry
        }
        var set = WindowSet(windowSeconds: 0, strideSeconds: 0, modalities: layouts, labelSchema: schema, subjects: subjects)
        do {
            var window: [String: [Float]] = [:], present: [String: [Bool]] = [:]
            for layout in layouts {
                window[layout.name] = try entry(layout.name, shape: [count, layout.samplesPerWindow, layout.channelCount]).floats()
                let flags = "present.\(layout.name)"
                present[layout.name] = file[flags] == nil ? Array(repeating: true, count: count) : try entry(flags, shape: [count]).bools()
            }
            var classes: [String: [Int64]] = [:], values: [String: [Float]] = [:]
            for label in schema {
                let stored = try entry("label.\(label.name)", shape: [count])
                if label.kind == .classIndex { classes[label.name] = try stored.int64s() } else { values[label.name] = try stored.floats() }
            }
            let subjectIndices = try entry("subject", shape: [count]).int64s()
            guard subjectIndices.allSatisfy({ $0 >= 0 && Int($0) < subjects.count }) else { throw corrupt("subject index outside the manifest's subjects") }
            let starts = try entry("start_seconds", shape: [count]).floats()
            set.values = window
            set.present = present
            set.classLabels = classes
            set.valueLabels = values
            set.subjectIndices = subjectIndices
            set.startSeconds = starts
            set.setWindowCount(count)
        } catch let error as DataError {
            throw error
        } catch {
            throw corrupt("\(error)")
        }
        return set
    }
}
