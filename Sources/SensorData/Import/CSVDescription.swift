import Foundation
import Yams

/// How the columns of a generic CSV file map to streams, read from a small YAML file:
///
/// ```yaml
/// timestamp: {column: t, unit: s}          # unit: s, ms or iso8601
/// streams:
///   ppg: {columns: [green], rate: 64, unit: "a.u."}
///   acc: {columns: [ax, ay, az], rate: 32, unit: g, channels: [x, y, z]}
/// subject: P01                              # optional; default: the CSV file's name
/// session: lab                              # optional; default: "csv"
/// delimiter: ","                            # optional; one character
/// ```
///
/// The CSV's first line names its columns. Unknown keys are errors that name the key, its line and
/// the nearest valid key.
public struct CSVDescription: Sendable, Equatable {
    public enum TimestampUnit: String, Sendable, CaseIterable {
        case seconds = "s"
        case milliseconds = "ms"
        case iso8601
    }

    public struct StreamMapping: Sendable, Equatable {
        public var name: String
        public var columns: [String]
        /// The rate the stream is resampled to (Hz).
        public var samplingRate: Double
        public var unit: String
        public var channelNames: [String]
    }

    public var timestampColumn: String
    public var timestampUnit: TimestampUnit
    /// Sorted by name.
    public var streams: [StreamMapping]
    public var subjectID: String?
    public var sessionID: String?
    public var delimiter: UInt8

    static let topLevelKeys = ["timestamp", "streams", "subject", "session", "delimiter"]
    static let timestampKeys = ["column", "unit"]
    static let streamKeys = ["columns", "rate", "unit", "channels"]

    /// Parses a description.
    /// - Throws: `DataError.invalidDescription` naming `source` and the line of the offending key or value.
    public static func parse(yaml: String, source: String) throws -> CSVDescription {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw DataError(.invalidDescription, file: source, line: yamlLine(error), "expected valid YAML: \(yamlProblem(error))")
        }
        guard let root, let top = root.mapping else {
            throw DataError(.invalidDescription, file: source, line: root?.mark?.line,
                            "expected a mapping with keys timestamp and streams")
        }
        let reader = Reader(source: source)
        let fields = try reader.fields(of: top, allowed: topLevelKeys, context: "the description")
        guard let timestampNode = fields["timestamp"] else {
            throw DataError(.invalidDescription, file: source, line: root.mark?.line, "expected a key \"timestamp\" ({column: ..., unit: s|ms|iso8601})")
        }
        guard let streamsNode = fields["streams"] else {
            throw DataError(.invalidDescription, file: source, line: root.mark?.line, "expected a key \"streams\" mapping stream names to {columns, rate, unit}")
        }
        let timestamp = try reader.fields(of: try reader.mapping(timestampNode, "timestamp"), allowed: timestampKeys, context: "timestamp")
        let column = try reader.string(timestamp["column"], "timestamp.column", parent: timestampNode)
        let unitText = try timestamp["unit"].map { try reader.string($0, "timestamp.unit", parent: timestampNode) } ?? "s"
        guard let unit = TimestampUnit(rawValue: unitText) else {
            throw DataError(.invalidDescription, file: source, line: timestamp["unit"]?.mark?.line,
                            "expected timestamp.unit s, ms or iso8601, found \(DataError.quote(unitText))")
        }
        var streams: [StreamMapping] = []
        for (keyNode, valueNode) in try reader.mapping(streamsNode, "streams") {
            let name = try reader.string(keyNode, "stream name", parent: streamsNode)
            guard !streams.contains(where: { $0.name == name }) else {
                throw DataError(.invalidDescription, file: source, line: keyNode.mark?.line, "stream \(DataError.quote(name)) is described twice")
            }
            let path = "streams.\(name)"
            let stream = try reader.fields(of: try reader.mapping(valueNode, path), allowed: streamKeys, context: path)
            let columns = try reader.strings(stream["columns"], "\(path).columns", parent: valueNode)
            guard let rateNode = stream["rate"] else {
                throw DataError(.invalidDescription, file: source, line: valueNode.mark?.line, "expected \(path).rate (Hz)")
            }
            guard let rate = rateNode.float, rate > 0, rate.isFinite else {
                throw DataError(.invalidSampleRate, file: source, line: rateNode.mark?.line,
                                "expected \(path).rate to be a positive number of Hz, found \(DataError.quote(rateNode.string ?? "a collection"))")
            }
            let unitName = try stream["unit"].map { try reader.string($0, "\(path).unit", parent: valueNode) } ?? "a.u."
            let channels = try stream["channels"].map { try reader.strings($0, "\(path).channels", parent: valueNode) } ?? columns
            guard channels.count == columns.count else {
                throw DataError(.invalidDescription, file: source, line: stream["channels"]?.mark?.line,
                                "expected \(columns.count) channel names for \(path) (one per column), found \(channels.count)")
            }
            streams.append(StreamMapping(name: name, columns: columns, samplingRate: rate, unit: unitName, channelNames: channels))
        }
        guard !streams.isEmpty else {
            throw DataError(.invalidDescription, file: source, line: streamsNode.mark?.line, "expected at least one stream under streams")
        }
        var delimiter: UInt8 = 0x2C
        if let node = fields["delimiter"] {
            let text = try reader.string(node, "delimiter", parent: node)
            guard text.utf8.count == 1, let byte = text.utf8.first, byte != 0x0A, byte != 0x0D, byte != 0x22 else {
                throw DataError(.invalidDescription, file: source, line: node.mark?.line,
                                "expected delimiter to be one character such as \",\" or \";\", found \(DataError.quote(text))")
            }
            delimiter = byte
        }
        return CSVDescription(
            timestampColumn: column, timestampUnit: unit, streams: streams.sorted { $0.name < $1.name },
            subjectID: try fields["subject"].map { try reader.string($0, "subject", parent: $0) },
            sessionID: try fields["session"].map { try reader.string($0, "session", parent: $0) },
            delimiter: delimiter)
    }

    /// Reads a description file.
    public static func load(from file: URL) throws -> CSVDescription {
        let data = try ImportFiles.read(file)
        return try parse(yaml: String(decoding: data, as: UTF8.self), source: file.path)
    }

    private static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return nil
        }
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _): return problem
        default: return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}

/// Typed access to YAML nodes with errors that name the file, line and key.
private struct Reader {
    let source: String

    /// The mapping's entries by key, rejecting keys outside `allowed` (suggesting the nearest one).
    func fields(of mapping: Node.Mapping, allowed: [String], context: String) throws -> [String: Node] {
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard allowed.contains(key) else {
                let nearest = allowed.min { editDistance($0, key) < editDistance($1, key) }!
                throw DataError(.invalidDescription, file: source, line: keyNode.mark?.line,
                                "unknown key \(DataError.quote(key)) in \(context); did you mean \"\(nearest)\"? (valid: \(allowed.joined(separator: ", ")))")
            }
            result[key] = value
        }
        return result
    }

    func mapping(_ node: Node, _ path: String) throws -> Node.Mapping {
        guard let mapping = node.mapping else {
            throw DataError(.invalidDescription, file: source, line: node.mark?.line, "expected \(path) to be a mapping ({key: value, ...})")
        }
        return mapping
    }

    func string(_ node: Node?, _ path: String, parent: Node) throws -> String {
        guard let node else {
            throw DataError(.invalidDescription, file: source, line: parent.mark?.line, "expected a key \(path)")
        }
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            throw DataError(.invalidDescription, file: source, line: node.mark?.line, "expected \(path) to be a non-empty text value")
        }
        return scalar.string
    }

    func strings(_ node: Node?, _ path: String, parent: Node) throws -> [String] {
        guard let node else {
            throw DataError(.invalidDescription, file: source, line: parent.mark?.line, "expected a key \(path) (a list of column names)")
        }
        if node.scalar != nil { return [try string(node, path, parent: parent)] }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            throw DataError(.invalidDescription, file: source, line: node.mark?.line, "expected \(path) to be a non-empty list")
        }
        return try sequence.map { try string($0, path, parent: node) }
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ first: String, _ second: String) -> Int {
    let a = Array(first.lowercased().utf8), b = Array(second.lowercased().utf8)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
