import Foundation

/// What `sensorfm data inspect` (and the end of `data import`) shows about a dataset folder: the
/// manifest's modalities and rates, every shard checked against its size and SHA-256, the quality
/// filter's counts, label counts, and per subject the class-label intervals in seconds from the
/// recording's start (consecutive windows of one class merged). Shards are read as many at a time as
/// `Threading` has threads, so memory stays at a few shards whatever the dataset's size.
public struct DatasetInspection: Sendable, Codable, Equatable, CustomStringConvertible {
    public struct ShardCheck: Sendable, Codable, Equatable {
        public var file: String
        public var windows: Int
        /// nil when the shard matches the manifest; else the error's description.
        public var problem: String?
        /// Whether its SHA-256 was recomputed (not for a dataset this process has just written).
        public var hashVerified: Bool
    }

    public struct LabelSummary: Sendable, Codable, Equatable {
        public var name: String
        public var kind: LabelSchemaEntry.Kind
        public var unit: String?
        /// Class labels: windows per class name, plus `"(none)"` for unlabelled windows.
        public var classCounts: [String: Int]?
        /// Value labels: the mean over windows with a value, and how many windows have none.
        public var mean: Double?
        public var missing: Int?
    }

    public struct SubjectSummary: Sendable, Codable, Equatable {
        public var subject: String
        public var windows: Int
        /// Seconds from the recording's start to the end of its last window.
        public var lastWindowEnd: Double
        /// Per class label, runs of windows of one class.
        public var labelIntervals: [String: [LabelInterval]]
    }

    public var path: String
    public var manifest: DatasetManifest
    public var shards: [ShardCheck]
    public var labels: [LabelSummary]
    public var subjects: [SubjectSummary]

    /// Whether every shard matched the manifest.
    public var isIntact: Bool { shards.allSatisfy { $0.problem == nil } }

    /// The first shard problem as an error, for a non-zero exit after the report.
    public var firstProblem: DataError? {
        guard let shard = shards.first(where: { $0.problem != nil }) else { return nil }
        return DataError(.corruptFile, file: URL(fileURLWithPath: path).appendingPathComponent(shard.file).path,
                         "shard does not match the manifest (see the report above)")
    }

    /// Whether `url` is a dataset folder (holds `manifest.json`).
    public static func isDataset(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(DatasetManifest.fileName).path)
    }

    /// Reads the manifest at `directory` and checks every shard.
    /// - Parameter verifiesHashes: false skips recomputing each shard's SHA-256 (sizes and tensor shapes
    ///   are still checked), for a dataset the caller has just written and hashed.
    /// - Throws: `DataError` when the manifest is missing or invalid; shard problems are reported in `shards`.
    public init(directory: URL, verifiesHashes: Bool = true) throws {
        let manifest = try DatasetReader.manifest(at: directory)
        self.manifest = manifest
        path = directory.path
        var tally = Tally(manifest: manifest)
        var checks: [ShardCheck] = []
        // Shards are read and hashed a few at a time in parallel, and tallied in order.
        DatasetReader.forEachShard(of: manifest, in: directory, verifiesHashes: verifiesHashes) { shard, result in
            switch result {
            case .success(let part):
                tally.add(part, windowSeconds: manifest.windowSeconds)
                checks.append(ShardCheck(file: shard.file, windows: shard.windows, problem: nil, hashVerified: verifiesHashes))
            case .failure(let error):
                checks.append(ShardCheck(file: shard.file, windows: shard.windows, problem: "\(error)", hashVerified: verifiesHashes))
            }
        }
        shards = checks
        labels = tally.labelSummaries()
        subjects = tally.subjectSummaries()
    }

    public var description: String {
        var lines = ["dataset \(path): \(manifest.windows) window(s) of \(formatSeconds(manifest.windowSeconds)) s every \(formatSeconds(manifest.strideSeconds)) s, \(manifest.subjects.count) subject(s), \(manifest.shards.count) shard(s)"]
        if !manifest.source.isEmpty {
            lines.append("  source: " + manifest.source.keys.sorted().map { "\($0)=\(manifest.source[$0]!)" }.joined(separator: ", "))
        }
        for modality in manifest.modalities {
            var line = "  modality \(modality.name): \(formatSeconds(modality.samplingRate)) Hz, \(modality.samplesPerWindow) samples × \(modality.channels.count) channel(s) [\(modality.channels.joined(separator: ", "))] in \(modality.unit)"
            if modality.absentWindows > 0 || !modality.absentRecordings.isEmpty {
                let names = modality.absentRecordings.prefix(5).joined(separator: ", ") + (modality.absentRecordings.count > 5 ? ", ..." : "")
                line += "; absent from \(modality.absentWindows) window(s) of \(modality.absentRecordings.count) recording(s) (\(names))"
            }
            lines.append(line)
        }
        let quality = manifest.quality
        var qualityLine = "  windows: \(quality.windowsConsidered) considered, \(quality.windowsKept) kept, \(quality.windowsRejected) rejected"
        if !quality.rejections.isEmpty {
            qualityLine += " (" + quality.rejections.keys.sorted().map { "\($0): \(quality.rejections[$0]!)" }.joined(separator: ", ") + ")"
        }
        lines.append(qualityLine)
        for label in labels {
            if let counts = label.classCounts {
                lines.append("  label \(label.name): " + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", "))
            } else {
                let mean = label.mean.map { formatSeconds($0) } ?? "none"
                lines.append("  label \(label.name): mean \(mean)\(label.unit.map { " \($0)" } ?? ""), \(label.missing ?? 0) window(s) without a value")
            }
        }
        for subject in subjects {
            lines.append("  subject \(subject.subject): \(subject.windows) window(s), up to \(formatSeconds(subject.lastWindowEnd)) s")
            for name in subject.labelIntervals.keys.sorted() {
                let runs = subject.labelIntervals[name]!
                let shown = runs.prefix(Self.intervalsShown).map { "\($0.label) \(formatSeconds($0.start))–\(formatSeconds($0.end))" }
                let more = runs.count > Self.intervalsShown ? ", ... (\(runs.count) in all; --json lists every one)" : ""
                lines.append("    \(name): " + shown.joined(separator: ", ") + more)
            }
        }
        for shard in shards {
            lines.append("  shard \(shard.file): \(shard.windows) window(s), " + (shard.problem.map { "FAILED: \($0)" } ?? (shard.hashVerified ? "SHA-256 ok" : "written, SHA-256 recorded")))
        }
        return lines.joined(separator: "\n")
    }

    /// Label runs listed per subject and label in the text form.
    static let intervalsShown = 12

    /// Counts gathered shard by shard.
    private struct Tally {
        let manifest: DatasetManifest
        var classCounts: [String: [Int]] = [:]
        var valueSums: [String: (sum: Double, count: Int, missing: Int)] = [:]
        var subjectWindows: [Int]
        var subjectEnds: [Double]
        var runs: [[String: [LabelInterval]]]

        init(manifest: DatasetManifest) {
            self.manifest = manifest
            subjectWindows = Array(repeating: 0, count: manifest.subjects.count)
            subjectEnds = Array(repeating: 0, count: manifest.subjects.count)
            runs = Array(repeating: [:], count: manifest.subjects.count)
        }

        mutating func add(_ part: WindowSet, windowSeconds: Double) {
            for window in 0..<part.windowCount {
                let subject = Int(part.subjectIndices[window])
                let start = Double(part.startSeconds[window]), end = start + windowSeconds
                subjectWindows[subject] += 1
                subjectEnds[subject] = max(subjectEnds[subject], end)
                for label in manifest.labels {
                    if label.kind == .classIndex, let codes = part.classLabels[label.name] {
                        let names = label.classNames ?? []
                        let code = Int(codes[window])
                        classCounts[label.name, default: Array(repeating: 0, count: names.count + 1)][code >= 0 && code < names.count ? code : names.count] += 1
                        guard code >= 0, code < names.count else { continue }
                        var list = runs[subject][label.name] ?? []
                        if let last = list.last, last.label == names[code], start >= last.start, start <= last.end + 1e-6 {
                            list[list.count - 1].end = max(last.end, end)
                        } else {
                            list.append(LabelInterval(start: start, end: end, label: names[code]))
                        }
                        runs[subject][label.name] = list
                    } else if let values = part.valueLabels[label.name] {
                        let value = Double(values[window])
                        var entry = valueSums[label.name] ?? (0, 0, 0)
                        if value.isNaN { entry.missing += 1 } else { entry.sum += value; entry.count += 1 }
                        valueSums[label.name] = entry
                    }
                }
            }
        }

        func labelSummaries() -> [LabelSummary] {
            manifest.labels.map { label in
                if label.kind == .classIndex {
                    let names = (label.classNames ?? []) + ["(none)"]
                    let counts = classCounts[label.name] ?? Array(repeating: 0, count: names.count)
                    let pairs = zip(names, counts).filter { $0.1 > 0 || $0.0 != "(none)" }
                    return LabelSummary(name: label.name, kind: label.kind, unit: label.unit,
                                        classCounts: Dictionary(pairs, uniquingKeysWith: +), mean: nil, missing: nil)
                }
                let entry = valueSums[label.name] ?? (0, 0, 0)
                return LabelSummary(name: label.name, kind: label.kind, unit: label.unit, classCounts: nil,
                                    mean: entry.count > 0 ? entry.sum / Double(entry.count) : nil, missing: entry.missing)
            }
        }

        func subjectSummaries() -> [SubjectSummary] {
            manifest.subjects.indices.map {
                SubjectSummary(subject: manifest.subjects[$0], windows: subjectWindows[$0], lastWindowEnd: subjectEnds[$0],
                               labelIntervals: runs[$0])
            }
        }
    }
}
