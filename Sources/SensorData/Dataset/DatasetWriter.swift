import Foundation
import SafeTensors
import SensorTensor

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
    /// Per modality: windows written without it, and the recordings (`subject/session`) lacking it.
    private var absentWindows: [String: Int] = [:]
    private var absentRecordings: [String: [String]] = [:]
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

    /// The windows of one recording, cut and filtered, ready for `add(_:)`. Preparing reads only the
    /// recording and the configuration, so recordings can be prepared on several threads at once.
    public struct PreparedRecording: Sendable {
        public var subjectID: String
        /// `subject/session`, as the manifest names recordings.
        public var name: String
        public var windows: WindowSet
        public var report: WindowQualityReport
        /// Modalities (that may be absent) this recording lacks.
        public var absentModalities: [String]
    }

    /// Windows `recording` for `configuration`.
    /// - Throws: `DataError.missingModality` for a required stream that is missing or at another rate.
    public static func prepare(_ recording: Recording, configuration: WindowingConfiguration) throws -> PreparedRecording {
        var set = try WindowExtractor.emptySet(like: recording, configuration: configuration)
        var report = WindowQualityReport()
        try WindowExtractor.extract(recording, configuration: configuration, into: &set, report: &report)
        let absent = try configuration.modalities.filter { try $0.allowsAbsence && WindowExtractor.stream(of: $0, in: recording) == nil }
        return PreparedRecording(subjectID: recording.subjectID, name: "\(recording.subjectID)/\(recording.sessionID)", windows: set,
                                 report: report, absentModalities: absent.map(\.name))
    }

    /// Windows `recording`, filters and buffers its windows, and writes every full shard.
    public func add(_ recording: Recording) throws {
        try add(Self.prepare(recording, configuration: configuration))
    }

    /// Buffers a prepared recording's windows and writes every full shard (several at once, on
    /// `Threading`'s threads).
    /// - Throws: `DataError.missingModality` when a stream's channels differ from the dataset's.
    public func add(_ prepared: PreparedRecording) throws {
        if let pending {
            for (layout, expected) in zip(prepared.windows.modalities, pending.modalities) where layout.channelNames != expected.channelNames {
                throw DataError(.missingModality, file: prepared.name,
                                "stream \"\(layout.name)\" has channels \(layout.channelNames); the dataset has \(expected.channelNames)")
            }
        }
        if !subjects.contains(prepared.subjectID) { subjects.append(prepared.subjectID) }
        for name in prepared.absentModalities { absentRecordings[name, default: []].append(prepared.name) }
        report.merge(prepared.report)
        // The buffered windows are topped up to one shard; further shards are cut straight from the
        // recording's windows, which are copied once.
        let incoming = prepared.windows
        var head = pending ?? WindowSet(windowSeconds: incoming.windowSeconds, strideSeconds: incoming.strideSeconds,
                                        modalities: incoming.modalities, labelSchema: incoming.labelSchema)
        pending = nil
        let used = min(incoming.windowCount, windowsPerShard - head.windowCount)
        head.append(contentsOf: used == incoming.windowCount ? incoming : incoming.subset(windows: Array(0..<used)))
        guard head.windowCount == windowsPerShard else {
            pending = head
            return
        }
        var full = [head]
        var offset = used
        while incoming.windowCount - offset >= windowsPerShard {
            full.append(incoming.subset(windows: Array(offset..<(offset + windowsPerShard))))
            offset += windowsPerShard
        }
        pending = incoming.subset(windows: Array(offset..<incoming.windowCount))
        try writeShards(full)
    }

    /// Writes the last shard and the manifest, then moves the folder onto the destination.
    /// - Parameter source: what produced the data, recorded in the manifest.
    @discardableResult
    public func finish(source: [String: String]) throws -> DatasetManifest {
        guard let last = pending else {
            throw DataError(.noUsableStream, file: destination.path, "no recording was added, so there is nothing to write")
        }
        if last.windowCount > 0 || shards.isEmpty { try writeShards([last]) }
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
                                                mean: means, standardDeviation: deviations,
                                                absentWindows: absentWindows[layout.name] ?? 0,
                                                absentRecordings: absentRecordings[layout.name] ?? [])
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

    /// What writing one shard gives the manifest.
    private struct WrittenShard {
        var entry: DatasetManifest.Shard
        var statistics: [String: [(count: Double, sum: Double, squares: Double)]]
        var absentWindows: [String: Int]
    }

    /// Serialises, hashes and writes `sets` as the next shards, in parallel; the manifest's entries and
    /// statistics are then gathered in shard order, so the result does not depend on the thread count.
    private func writeShards(_ sets: [WindowSet]) throws {
        guard !sets.isEmpty else { return }
        let first = shards.count
        let results = UnsafeMutableBufferPointer<Result<WrittenShard, DataError>?>.allocate(capacity: sets.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize().deallocate() }
        nonisolated(unsafe) let output = results
        let subjects = self.subjects, temporary = self.temporary
        Threading.parallelFor(sets.count) { range in
            for index in range {
                do throws(DataError) {
                    output[index] = .success(try Self.writeShard(sets[index], number: first + index, subjects: subjects, into: temporary))
                } catch {
                    output[index] = .failure(error)
                }
            }
        }
        for index in 0..<sets.count {
            let written = try results[index]!.get()
            shards.append(written.entry)
            windowCount += written.entry.windows
            for (name, partial) in written.statistics {
                var sums = statistics[name] ?? Array(repeating: (0, 0, 0), count: partial.count)
                for channel in partial.indices {
                    sums[channel].count += partial[channel].count
                    sums[channel].sum += partial[channel].sum
                    sums[channel].squares += partial[channel].squares
                }
                statistics[name] = sums
            }
            for (name, count) in written.absentWindows { absentWindows[name, default: 0] += count }
        }
    }

    private static func writeShard(_ set: WindowSet, number: Int, subjects: [String], into temporary: URL) throws(DataError) -> WrittenShard {
        var file = SafeTensorsFile(metadata: ["format": DatasetManifest.formatName, "schema_version": "\(DatasetManifest.currentSchemaVersion)"])
        var statistics: [String: [(count: Double, sum: Double, squares: Double)]] = [:], absentWindows: [String: Int] = [:]
        for layout in set.modalities {
            let values = set.values[layout.name]!
            file[layout.name] = SafeTensorsEntry(floats: values, shape: [set.windowCount, layout.samplesPerWindow, layout.channelCount])
            statistics[layout.name] = channelSums(values, channels: layout.channelCount)
            let absent = set.absentCount(layout.name)
            if absent > 0 {
                file["present.\(layout.name)"] = SafeTensorsEntry(bools: set.present[layout.name]!, shape: [set.windowCount])
                absentWindows[layout.name] = absent
            }
        }
        for (name, labels) in set.classLabels { file["label.\(name)"] = SafeTensorsEntry(int64s: labels, shape: [set.windowCount]) }
        for (name, labels) in set.valueLabels { file["label.\(name)"] = SafeTensorsEntry(floats: labels, shape: [set.windowCount]) }
        let globalSubjects = set.subjects.map { subjects.firstIndex(of: $0)! }
        file["subject"] = SafeTensorsEntry(int64s: set.subjectIndices.map { Int64(globalSubjects[Int($0)]) }, shape: [set.windowCount])
        file["start_seconds"] = SafeTensorsEntry(floats: set.startSeconds, shape: [set.windowCount])
        let data = file.serialized()
        let url = temporary.appendingPathComponent(String(format: "shard-%05d.safetensors", number))
        do {
            try data.write(to: url)
        } catch {
            throw DataError(.missingFile, file: url.path, "cannot write shard: \(error.localizedDescription)")
        }
        return WrittenShard(entry: DatasetManifest.Shard(file: url.lastPathComponent, windows: set.windowCount, bytes: data.count,
                                                         sha256: SHA256.hexDigest(data)),
                            statistics: statistics, absentWindows: absentWindows)
    }

    /// Per channel of frame-major `values`: count, sum and sum of squares of the non-NaN values, in Double.
    private static func channelSums(_ values: [Float], channels: Int) -> [(count: Double, sum: Double, squares: Double)] {
        var sums = Array(repeating: (count: 0.0, sum: 0.0, squares: 0.0), count: channels)
        values.withUnsafeBufferPointer { buffer in
            for channel in 0..<channels {
                var count = 0.0, sum = 0.0, squares = 0.0
                var index = channel
                while index < buffer.count {
                    let value = Double(buffer[index])
                    if !value.isNaN { count += 1; sum += value; squares += value * value }
                    index += channels
                }
                sums[channel] = (count, sum, squares)
            }
        }
        return sums
    }
}
