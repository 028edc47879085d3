import Foundation

/// Where one modality sits in every window: `samplesPerWindow` frames of `channelNames.count` channels.
public struct ModalityLayout: Sendable, Codable, Equatable {
    public var name: String
    public var samplingRate: Double
    public var channelNames: [String]
    public var unit: String
    public var samplesPerWindow: Int

    public init(name: String, samplingRate: Double, channelNames: [String], unit: String, samplesPerWindow: Int) {
        self.name = name
        self.samplingRate = samplingRate
        self.channelNames = channelNames
        self.unit = unit
        self.samplesPerWindow = samplesPerWindow
    }

    public var channelCount: Int { channelNames.count }
    /// Floats per window: samples × channels.
    public var valuesPerWindow: Int { samplesPerWindow * channelNames.count }
}

/// A window label as stored: a class index (int64, -1 = none) or a value (float32, NaN = none).
public struct LabelSchemaEntry: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case classIndex = "class", value }
    public var name: String
    public var kind: Kind
    public var classNames: [String]?
    public var unit: String?

    public init(_ specification: WindowLabelSpecification) {
        name = specification.name
        switch specification {
        case .majorityClass(_, let classNames): kind = .classIndex; self.classNames = classNames; unit = nil
        case .streamMean(_, _, let unit): kind = .value; classNames = nil; self.unit = unit
        }
    }
}

/// Windows in memory: per modality a `[windows, samples, channels]` row-major float buffer and whether
/// each window has that modality at all, with per-window labels, subject indices (into `subjects`) and
/// start times (seconds from the recording start).
public struct WindowSet: Sendable {
    public var windowSeconds: Double
    public var strideSeconds: Double
    public var modalities: [ModalityLayout]
    public var labelSchema: [LabelSchemaEntry]
    public var subjects: [String]
    public private(set) var windowCount: Int = 0
    /// Keyed by modality name; `windowCount * layout.valuesPerWindow` floats each.
    public var values: [String: [Float]]
    public var classLabels: [String: [Int64]]
    public var valueLabels: [String: [Float]]
    /// Keyed by modality name: false for windows of recordings that lack the modality (their values are
    /// NaN); `windowCount` flags each.
    public var present: [String: [Bool]]
    public var subjectIndices: [Int64] = []
    public var startSeconds: [Float] = []

    public init(windowSeconds: Double, strideSeconds: Double, modalities: [ModalityLayout],
                labelSchema: [LabelSchemaEntry], subjects: [String] = []) {
        self.windowSeconds = windowSeconds
        self.strideSeconds = strideSeconds
        self.modalities = modalities
        self.labelSchema = labelSchema
        self.subjects = subjects
        values = Dictionary(uniqueKeysWithValues: modalities.map { ($0.name, [Float]()) })
        present = Dictionary(uniqueKeysWithValues: modalities.map { ($0.name, [Bool]()) })
        classLabels = Dictionary(uniqueKeysWithValues: labelSchema.filter { $0.kind == .classIndex }.map { ($0.name, [Int64]()) })
        valueLabels = Dictionary(uniqueKeysWithValues: labelSchema.filter { $0.kind == .value }.map { ($0.name, [Float]()) })
    }

    /// The layout of modality `name`.
    public func layout(_ name: String) -> ModalityLayout? { modalities.first { $0.name == name } }

    /// Sets the count after filling the buffers directly (the reader); the buffers must agree with it.
    mutating func setWindowCount(_ count: Int) {
        for layout in modalities {
            precondition(values[layout.name]?.count == count * layout.valuesPerWindow && present[layout.name]?.count == count,
                         "WindowSet: \(layout.name) buffers do not hold \(count) windows")
        }
        precondition(subjectIndices.count == count && startSeconds.count == count, "WindowSet: index buffers do not hold \(count) windows")
        windowCount = count
    }

    /// Index of `subject` in `subjects`, appending it when new.
    mutating func subjectIndex(_ subject: String) -> Int64 {
        if let index = subjects.firstIndex(of: subject) { return Int64(index) }
        subjects.append(subject)
        return Int64(subjects.count - 1)
    }

    /// Appends one window. `window` holds each modality's `valuesPerWindow` floats; a modality it does
    /// not hold is stored as NaN and marked absent.
    mutating func append(window: [String: ArraySlice<Float>], classes: [String: Int64], values labelValues: [String: Float],
                         subject: Int64, start: Float) {
        for layout in modalities {
            guard let slice = window[layout.name] else {
                values[layout.name]!.append(contentsOf: repeatElement(Float.nan, count: layout.valuesPerWindow))
                present[layout.name]!.append(false)
                continue
            }
            precondition(slice.count == layout.valuesPerWindow,
                         "WindowSet.append: modality \(layout.name) needs \(layout.valuesPerWindow) values, got \(slice.count)")
            values[layout.name]!.append(contentsOf: slice)
            present[layout.name]!.append(true)
        }
        for name in classLabels.keys { classLabels[name]!.append(classes[name] ?? -1) }
        for name in valueLabels.keys { valueLabels[name]!.append(labelValues[name] ?? .nan) }
        subjectIndices.append(subject)
        startSeconds.append(start)
        windowCount += 1
    }

    /// Appends every window of `other` (same layouts and labels), remapping its subjects.
    public mutating func append(contentsOf other: WindowSet) {
        precondition(other.modalities == modalities && other.labelSchema == labelSchema,
                     "WindowSet.append(contentsOf:): layouts or label schemas differ")
        for layout in modalities {
            values[layout.name]!.append(contentsOf: other.values[layout.name]!)
            present[layout.name]!.append(contentsOf: other.present[layout.name]!)
        }
        for name in classLabels.keys { classLabels[name]!.append(contentsOf: other.classLabels[name]!) }
        for name in valueLabels.keys { valueLabels[name]!.append(contentsOf: other.valueLabels[name]!) }
        let mapping = other.subjects.map { subjectIndex($0) }
        subjectIndices.append(contentsOf: other.subjectIndices.map { mapping[Int($0)] })
        startSeconds.append(contentsOf: other.startSeconds)
        windowCount += other.windowCount
    }

    /// The windows at `indices`, in that order; subjects keep their identifiers.
    public func subset(windows indices: [Int]) -> WindowSet {
        var result = WindowSet(windowSeconds: windowSeconds, strideSeconds: strideSeconds, modalities: modalities,
                               labelSchema: labelSchema, subjects: subjects)
        for layout in modalities {
            let width = layout.valuesPerWindow
            let source = values[layout.name]!
            var target = [Float]()
            target.reserveCapacity(indices.count * width)
            for index in indices {
                precondition(index >= 0 && index < windowCount, "WindowSet.subset: window \(index) outside 0..<\(windowCount)")
                target.append(contentsOf: source[(index * width)..<((index + 1) * width)])
            }
            result.values[layout.name] = target
            let flags = present[layout.name]!
            result.present[layout.name] = indices.map { flags[$0] }
        }
        for (name, labels) in classLabels { result.classLabels[name] = indices.map { labels[$0] } }
        for (name, labels) in valueLabels { result.valueLabels[name] = indices.map { labels[$0] } }
        result.subjectIndices = indices.map { subjectIndices[$0] }
        result.startSeconds = indices.map { startSeconds[$0] }
        result.windowCount = indices.count
        return result
    }

    /// Indices of the windows of the given subjects, in stored order.
    public func windowIndices(ofSubjects chosen: Set<String>) -> [Int] {
        let wanted = Set(subjects.enumerated().filter { chosen.contains($0.element) }.map { Int64($0.offset) })
        return (0..<windowCount).filter { wanted.contains(subjectIndices[$0]) }
    }

    /// The windows of the given subjects (a subject-wise split never shares a subject between parts).
    public func subset(subjects chosen: Set<String>) -> WindowSet {
        subset(windows: windowIndices(ofSubjects: chosen))
    }

    /// Windows lacking modality `name` (0 for a modality the set does not have).
    public func absentCount(_ name: String) -> Int {
        present[name]?.reduce(0) { $0 + ($1 ? 0 : 1) } ?? 0
    }

    /// Indices of the windows that have every modality in `names`, in stored order.
    public func windowIndices(havingAll names: [String]) -> [Int] {
        let flags = names.compactMap { present[$0] }
        return (0..<windowCount).filter { window in flags.allSatisfy { $0[window] } }
    }

    /// The same windows with only the modalities in `names`, in stored order (names the set lacks are skipped).
    public func keeping(modalities names: Set<String>) -> WindowSet {
        var result = self
        result.modalities = modalities.filter { names.contains($0.name) }
        let kept = Set(result.modalities.map(\.name))
        result.values = values.filter { kept.contains($0.key) }
        result.present = present.filter { kept.contains($0.key) }
        return result
    }

    /// Subject identifier of window `index`.
    public func subject(ofWindow index: Int) -> String { subjects[Int(subjectIndices[index])] }
}
