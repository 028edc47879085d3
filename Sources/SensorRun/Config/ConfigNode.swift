import Foundation
import Yams

/// A parsed YAML document that keeps every value's location, so errors can name file and line, and
/// that `--set` overrides can edit before the typed reading.
public indirect enum ConfigNode: Sendable, Equatable {
    case scalar(String, ConfigLocation)
    case mapping([ConfigEntry], ConfigLocation)
    case sequence([ConfigNode], ConfigLocation)

    public var location: ConfigLocation {
        switch self {
        case .scalar(_, let location), .mapping(_, let location), .sequence(_, let location): location
        }
    }

    /// Parses YAML text; `file` names it in locations and errors.
    public static func parse(yaml: String, file: String) throws -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, yaml: yaml, file: file)
        }
        guard let root else { return .mapping([], ConfigLocation(file: file, line: 1)) }
        return try convert(root, file: file, path: "")
    }

    /// Yams's error as one line located at the line it names (its own text spans several lines and
    /// repeats the input).
    static func syntaxError(_ error: YamlError, yaml: String, file: String) -> ConfigError {
        func located(_ line: Int?) -> ConfigLocation { ConfigLocation(file: file, line: line) }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let within = context.map { "; \($0.text) at line \($0.mark.line), column \($0.mark.column)" } ?? ""
            return ConfigError(.syntax, path: "", location: located(mark.line), "invalid YAML: \(problem) at column \(mark.column)\(within)")
        case .reader(let problem, let offset, let value, _):
            // The offset counts bytes of the input; its line is one more than the line breaks before it.
            let line = offset.map { offset in 1 + yaml.utf8.prefix(max(offset, 0)).filter { $0 == 0x0A }.count }
            return ConfigError(.syntax, path: "", location: located(line), "invalid YAML: \(problem) (character code \(value))")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence of the (alphabetically) first duplicated key.
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(.inconsistent, path: "", location: located(context.mark.line > 0 ? context.mark.line : nil),
                               "key \(keys) appears more than once in one mapping")
        default:
            return ConfigError(.syntax, path: "", location: located(nil), "invalid YAML: \(error)")
        }
    }

    /// Reads and parses a YAML file.
    public static func load(_ url: URL) throws -> ConfigNode {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError(.missingFile, path: "", location: ConfigLocation(file: url.path, line: nil), "cannot read the configuration file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(.syntax, path: "", location: ConfigLocation(file: url.path, line: nil), "the file is not UTF-8 text")
        }
        return try parse(yaml: text, file: url.path)
    }

    private static func convert(_ node: Node, file: String, path: String) throws -> ConfigNode {
        let location = ConfigLocation(file: file, line: node.mark?.line)
        switch node {
        case .scalar(let scalar):
            return .scalar(node.null != nil ? "" : scalar.string, location)
        case .sequence(let sequence):
            return .sequence(try sequence.enumerated().map { try convert($1, file: file, path: "\(path).\($0)") }, location)
        case .mapping(let mapping):
            var entries: [ConfigEntry] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigError(.wrongType, path: path, location: location, "mapping keys must be plain words")
                }
                // Keys become components of dotted key paths, so they must be words (no '.', spaces, quotes).
                guard isPlainWord(keyScalar.string) else {
                    throw ConfigError(.wrongType, path: path, location: ConfigLocation(file: file, line: key.mark?.line),
                                      "key '\(keyScalar.string)' is not a plain word (letters, digits, '_' and '-')")
                }
                let childPath = path.isEmpty ? keyScalar.string : "\(path).\(keyScalar.string)"
                if entries.contains(where: { $0.key == keyScalar.string }) {
                    throw ConfigError(.inconsistent, path: childPath, location: ConfigLocation(file: file, line: key.mark?.line),
                                      "key appears twice")
                }
                entries.append(ConfigEntry(key: keyScalar.string, value: try convert(value, file: file, path: childPath),
                                           location: ConfigLocation(file: file, line: key.mark?.line)))
            }
            return .mapping(entries, location)
        case .alias:
            throw ConfigError(.syntax, path: path, location: location, "YAML aliases are not supported in configurations")
        }
    }

    /// Letters, digits, '_' and '-' only, at least one character.
    static func isPlainWord(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// Applies `KEY=VALUE` (dotted key path, VALUE parsed as YAML: `optimizer.lr=3e-4`,
    /// `objectives=[{kind: contrastive}]`), creating mappings on the way as needed.
    public func overriding(_ assignment: String) throws -> ConfigNode {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
            throw ConfigError(.syntax, path: "", location: ConfigLocation(file: "--set \(assignment)", line: nil),
                              "an override must look like KEY=VALUE, e.g. optimizer.lr=3e-4")
        }
        let key = String(assignment[..<equals]), text = String(assignment[assignment.index(after: equals)...])
        let origin = "--set \(key)"
        let value = try ConfigNode.parse(yaml: text.isEmpty ? "''" : text, file: origin).relocated(to: origin)
        let components = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !components.contains(where: \.isEmpty) else {
            throw ConfigError(.syntax, path: key, location: ConfigLocation(file: origin, line: nil), "empty component in the key path")
        }
        return try replacing(components[...], with: value, prefix: "", origin: origin)
    }

    private func replacing(_ components: ArraySlice<String>, with value: ConfigNode, prefix: String, origin: String) throws -> ConfigNode {
        guard let first = components.first else { return value }
        let path = prefix.isEmpty ? first : "\(prefix).\(first)"
        let rest = components.dropFirst()
        switch self {
        case .mapping(var entries, let location):
            if let index = entries.firstIndex(where: { $0.key == first }) {
                entries[index].value = try entries[index].value.replacing(rest, with: value, prefix: path, origin: origin)
            } else {
                let empty = ConfigNode.mapping([], ConfigLocation(file: origin, line: nil))
                entries.append(ConfigEntry(key: first, value: try empty.replacing(rest, with: value, prefix: path, origin: origin),
                                           location: ConfigLocation(file: origin, line: nil)))
            }
            return .mapping(entries, location)
        case .sequence(var items, let location):
            guard let index = Int(first), items.indices.contains(index) else {
                throw ConfigError(.unknownKey, path: path, location: ConfigLocation(file: origin, line: nil),
                                  "'\(first)' is not an index of this list of \(items.count)")
            }
            items[index] = try items[index].replacing(rest, with: value, prefix: path, origin: origin)
            return .sequence(items, location)
        case .scalar:
            throw ConfigError(.wrongType, path: prefix, location: ConfigLocation(file: origin, line: nil),
                              "is a single value, so it has no key '\(first)'")
        }
    }

    /// The same tree with every location set to `origin` (values given on the command line).
    private func relocated(to origin: String) -> ConfigNode {
        let location = ConfigLocation(file: origin, line: nil)
        switch self {
        case .scalar(let text, _): return .scalar(text, location)
        case .sequence(let items, _): return .sequence(items.map { $0.relocated(to: origin) }, location)
        case .mapping(let entries, _):
            return .mapping(entries.map { ConfigEntry(key: $0.key, value: $0.value.relocated(to: origin), location: location) }, location)
        }
    }

    /// YAML text for this tree (block style, keys in order).
    public func yamlText() throws -> String {
        try Yams.serialize(node: yamsNode(), sortKeys: false)
    }

    private func yamsNode() -> Node {
        switch self {
        case .scalar(let text, _):
            return Node(text, .implicit, ConfigNode.needsQuotes(text) ? .singleQuoted : .plain)
        case .sequence(let items, _):
            return Node(items.map { $0.yamsNode() })
        case .mapping(let entries, _):
            return Node(entries.map { (Node($0.key), $0.value.yamsNode()) })
        }
    }

    /// Whether a plain scalar would read back as something else (empty, YAML keywords, special characters).
    static func needsQuotes(_ text: String) -> Bool {
        text.isEmpty || text.contains(where: { ":#{}[],&*!|>'\"%@`\n".contains($0) }) || text.first == " " || text.last == " "
            || text.first == "-" && Double(text) == nil || ["~", "null", "yes", "no", "on", "off"].contains(text.lowercased())
    }
}

/// One `key: value` of a mapping, with the key's location.
public struct ConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: ConfigNode
    public var location: ConfigLocation
}
