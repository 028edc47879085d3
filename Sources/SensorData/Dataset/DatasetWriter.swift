import Foundation
import SafeTensors

/// Writes a windowed dataset folder: safetensors shards plus `manifest.json`, all into a hidden temporary
/// folder beside the destination that is renamed onto it at the end, so a failed or interrupted write
/// leaves nothing at the destination (an existing dataset there is replaced only on success).
public final class DatasetWriter {
    public let configuration: WindowingConfiguration
    public let destination: URL
    public let windowsPerShard: Int
    private let temporary: URL
    private var pending: WindowSet?
    private var subjects: [String] = []
    private var shards: [DatasetManifest.Shard] = []
    private var report = WindowQualityReport()
    private var windowCount = 0
    /// Per modality and channel: count, sum and sum of squares of the non-NaN values, in Double.
    private var statistics: [String: [(count: Double, sum: Double, squares: Double)]] = [:]
    private var finished = false

    /// - Throws: `DataError.missingFile` when the temporary folder cannot be created.
    public init(configuration: WindowingConfiguration, destination: URL, windowsPerShard: Int = 2048) throws {
        precondition(windowsPerShard > 0, "DatasetWriter: windowsPerShard must be positive, got \(windowsPerShard)")
        self.configuration = configuration
        self.destination = destination.standardizedFileURL
        self.windowsPerShard = windowsPerShard
        let parent = self.destination.deletingLastPathComponent()
        temporary = parent.appendingPathComponent(".\(self.destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw DataError(.missingFile, file: parent.path, "cannot create a temporary dataset folder: \(error.localizedDescription)")
        }
    }

    deinit {
        if !finished { try? FileManager.default.removeItem(at: temporary) }
    }

    /// Windows `recording`, filters and buffers its windows, and writes every full shard.
    public func add(_ recording: Recording) throws {
        if pending == nil { pending = try WindowExtractor.emptySet(like: recording, configuration: configuration) }
        if !subjects.contains(recording.subjectID) { subjects.append(recording.subjectID) }
        var set = pending!
        pending = nil
        try WindowExtractor.extract(recording, configuration: configuration, into: &set, report: &report)
        pending = set
        while let buffered = pending, buffered.windowCount >= windowsPerShard {
            try writeShard(buffered.subset(windows: Array(0..<windowsPerShard)))
            pending = buffered.subset(windows: Array(windowsPerShard..<buffered.windowCount))
        }
    }

    /// Writes the last shard and the manifest, then moves the folder onto the destination.
    /// - Parameter source: what produced the data, recorded in the manifest.
    @discardableResult
    public func finish(source: [String: String]) throws -> DatasetManifest {
        guard let last = pending else {
            throw DataError(.noUsableStream, file: destination.path, "no recording was added, so there is nothing to write")
        }
        if last.windowCount > 0 || shards.isEmpty { try writeShard(last) }
        let manifest = DatasetManifest(
            schemaVersion: DatasetManifest.currentSchemaVersion, format: DatasetManifest.formatName,
            windowSeconds: configuration.windowSeconds, strideSeconds: configuration.strideSeconds,
            modalities: last.modalities.map { layout in
                let channels = statistics[layout.name] ?? Array(repeating: (0, 0, 0), count: layout.channelCount)
                let means = channels.map { $0.count > 0 ? $0.sum / $0.count : 0 }
                let deviations = zip(channels, means).map { channel, mean in
                    channel.count > 0 ? max(0, channel.squares / channel.count - mean * mean).squareRoot() : 1
                }
                return DatasetManifest.Modality(name: layout.name, samplingRate: layout.samplingRate, channels: layout.channelNames,
                                                unit: layout.unit, samplesPerWindow: layout.samplesPerWindow,
                                                mean: means, standardDeviation: deviations)
            },
            labels: last.labelSchema.map { DatasetManifest.Label(name: $0.name, kind: $0.kind, classNames: $0.classNames, unit: $0.unit) },
            subjects: subjects, windows: windowCount, shards: shards,
            quality: DatasetManifest.Quality(windowsConsidered: report.windowsConsidered, windowsKept: report.windowsKept,
                                             windowsRejected: report.windowsRejected, rejections: report.rejections,
                                             thresholds: configuration.quality),
            source: source)
        let manifestURL = temporary.appendingPathComponent(DatasetManifest.fileName)
        do {
            try manifest.encoded().write(to: manifestURL)
            let manager = FileManager.default
            if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
            try manager.moveItem(at: temporary, to: destination)
        } catch {
            throw DataError(.missingFile, file: destination.path, "cannot write the dataset: \(error.localizedDescription)")
        }
        finished = true
        return manifest
    }

    private func writeShard(_ set: WindowSet) throws {
        var file = SafeTensorsFile(metadata: ["format": DatasetManifest.formatName, "schema_version": "\(DatasetManifest.currentSchemaVersion)"])
        for layout in set.modalities {
            let values = set.values[layout.name]!
            file[layout.name] = SafeTensorsEntry(floats: values, shape: [set.windowCount, layout.samplesPerWindow, layout.channelCount])
            accumulate(values, channels: layout.channelCount, into: layout.name)
        }
        for (name, labels) in set.classLabels { file["label.\(name)"] = SafeTensorsEntry(int64s: labels, shape: [set.windowCount]) }
        for (name, labels) in set.valueLabels { file["label.\(name)"] = SafeTensorsEntry(floats: labels, shape: [set.windowCount]) }
        let globalSubjects = set.subjects.map { subjects.firstIndex(of: $0)! }
        file["subject"] = SafeTensorsEntry(int64s: set.subjectIndices.map { Int64(globalSubjects[Int($0)]) }, shape: [set.windowCount])
        file["start_seconds"] = SafeTensorsEntry(floats: set.startSeconds, shape: [set.windowCount])
        let data = file.serialized()
        let name = String(format: "shard-%05d.safetensors", shards.count)
        do {
            try data.write(to: temporary.appendingPathComponent(name))
        } catch {
            throw DataError(.missingFile, file: temporary.appendingPathComponent(name).path, "cannot write shard: \(error.localizedDescription)")
        }
        shards.append(DatasetManifest.Shard(file: name, windows: set.windowCount, bytes: data.count, sha256: SHA256.hexDigest(data)))
        windowCount += set.windowCount
    }

    private func accumulate(_ values: [Float], channels: Int, into name: String) {
        var sums = statistics[name] ?? Array(repeating: (0, 0, 0), count: channels)
        values.withUnsafeBufferPointer { buffer in
            for channel in 0..<channels {
                var count = 0.0, sum = 0.0, squares = 0.0
                var index = channel
                while index < buffer.count {
                    let value = Double(buffer[index])
                    if !value.isNaN { count += 1; sum += value; squares += value * value }
                    index += channels
                }
                sums[channel].count += count; sums[channel].sum += sum; sums[channel].squares += squares
            }
        }
        statistics[name] = sums
    }
}
