import Foundation

/// Where a configuration value came from: a file and line, or a `--set` override.
public struct ConfigLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?

    public init(file: String, line: Int?) {
        self.file = file
        self.line = line
    }

    public var description: String { line.map { "\(file):\($0)" } ?? file }
}

/// A configuration that cannot be used, named by its dotted key path (`optimizer.lr`) and location.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case syntax, unknownKey, missingKey, wrongType, outOfRange, inconsistent, missingFile
    }

    public var kind: Kind
    public var path: String
    public var location: ConfigLocation?
    public var message: String
    /// The nearest valid key or value, when one is close enough to be a likely typo.
    public var suggestion: String?

    /// `path`, `message` and `suggestion` may quote the config's own text, so they are made one line
    /// (control characters escaped) and bounded (paths 200, messages 500 characters).
    public init(_ kind: Kind, path: String, location: ConfigLocation?, _ message: String, suggestion: String? = nil) {
        self.kind = kind
        self.path = Self.oneLine(path, limit: 200)
        self.location = location
        self.message = Self.oneLine(message, limit: 500)
        self.suggestion = suggestion.map { Self.oneLine($0, limit: 200) }
    }

    /// `text` with control characters escaped (`\n`, `\u{7}`), cut to `limit` characters with "…".
    static func oneLine(_ text: String, limit: Int) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) || text.count > limit else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                result += scalar.properties.generalCategory == .control
                    ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }
        return result.count > limit ? String(result.prefix(limit - 1)) + "…" : result
    }

    public var description: String {
        var text = location.map { "\($0): " } ?? ""
        text += path.isEmpty ? message : "\(path): \(message)"
        if let suggestion { text += " (did you mean '\(suggestion)'?)" }
        return text
    }

    /// The candidate closest to `word` by edit distance, if within a third of its length (at least 2).
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }), best.1 <= limit else { return nil }
        return best.0
    }

    /// Levenshtein distance (insertions, deletions, substitutions) over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let left = Array(a), right = Array(b)
        if left.isEmpty { return right.count }
        var previous = Array(0...right.count)
        var current = previous
        for i in 1...left.count {
            current[0] = i
            for j in 1..<(right.count + 1) {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }
}
