import Foundation

/// Typed reading of one mapping of a `ConfigNode` tree: every value is looked up by key, typed by
/// the field it fills, range-checked, and any key not read is reported with the nearest valid one.
struct ConfigReader {
    let path: String
    let location: ConfigLocation
    private let entries: [ConfigEntry]

    /// Reads `node` at `path` as a mapping whose keys must be among `allowed`.
    init(_ node: ConfigNode, path: String, allowed: [String]) throws {
        guard case .mapping(let entries, let location) = node else {
            throw ConfigError(.wrongType, path: path, location: node.location, "expected a mapping of keys (\(allowed.joined(separator: ", ")))")
        }
        self.path = path
        self.location = location
        self.entries = entries
        for entry in entries where !allowed.contains(entry.key) {
            let suggestion = ConfigError.nearest(entry.key, in: allowed).map { childPath($0) }
            throw ConfigError(.unknownKey, path: childPath(entry.key), location: entry.location,
                              "unknown key; valid keys here: \(allowed.joined(separator: ", "))", suggestion: suggestion)
        }
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw node under `key`, if present (an empty scalar counts as absent).
    func node(_ key: String) -> ConfigNode? {
        guard let value = entries.first(where: { $0.key == key })?.value else { return nil }
        if case .scalar("", _) = value { return nil }
        return value
    }

    func has(_ key: String) -> Bool { node(key) != nil }

    func locationOf(_ key: String) -> ConfigLocation {
        node(key)?.location ?? entries.first(where: { $0.key == key })?.location ?? location
    }

    private func scalar(_ key: String, expected: String) throws -> (String, ConfigLocation)? {
        guard let value = node(key) else { return nil }
        guard case .scalar(let text, let valueLocation) = value else {
            throw ConfigError(.wrongType, path: childPath(key), location: value.location, "expected \(expected), found a list or mapping")
        }
        return (text, valueLocation)
    }

    private func missing(_ key: String, _ expected: String) -> ConfigError {
        ConfigError(.missingKey, path: childPath(key), location: location, "required key is missing (\(expected))")
    }

    func int(_ key: String, default fallback: Int? = nil, in range: ClosedRange<Int>) throws -> Int {
        guard let (text, location) = try scalar(key, expected: "a whole number") else {
            guard let fallback else { throw missing(key, "a whole number") }
            return fallback
        }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw ConfigError(.wrongType, path: childPath(key), location: location, "expected a whole number, found '\(text)'")
        }
        guard range.contains(value) else {
            throw ConfigError(.outOfRange, path: childPath(key), location: location, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func seed(_ key: String, default fallback: UInt64) throws -> UInt64 {
        guard let (text, location) = try scalar(key, expected: "a seed") else { return fallback }
        guard let value = UInt64(text) else {
            throw ConfigError(.wrongType, path: childPath(key), location: location, "expected a non-negative whole number, found '\(text)'")
        }
        return value
    }

    /// A finite number in `range`; `open` excludes the range's ends.
    func double(_ key: String, default fallback: Double? = nil, in range: ClosedRange<Double>, open: Bool = false) throws -> Double {
        guard let (text, location) = try scalar(key, expected: "a number") else {
            guard let fallback else { throw missing(key, "a number") }
            return fallback
        }
        guard let value = Double(text), value.isFinite else {
            throw ConfigError(.wrongType, path: childPath(key), location: location, "expected a number, found '\(text)'")
        }
        let inside = open ? value > range.lowerBound && value < range.upperBound : range.contains(value)
        guard inside else {
            let bounds = open ? "(\(range.lowerBound), \(range.upperBound))" : "[\(range.lowerBound), \(range.upperBound)]"
            throw ConfigError(.outOfRange, path: childPath(key), location: location, "\(text) is outside \(bounds)")
        }
        return value
    }

    func float(_ key: String, default fallback: Float? = nil, in range: ClosedRange<Double>, open: Bool = false) throws -> Float {
        Float(try double(key, default: fallback.map(Double.init), in: range, open: open))
    }

    func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let (text, _) = try scalar(key, expected: "a string") else {
            guard let fallback else { throw missing(key, "a string") }
            return fallback
        }
        return text
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let (text, location) = try scalar(key, expected: "true or false") else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError(.wrongType, path: childPath(key), location: location, "expected true or false, found '\(text)'")
        }
    }

    /// One of `choices`; a near miss is suggested.
    func choice(_ key: String, _ choices: [String], default fallback: String? = nil) throws -> String {
        let value = try string(key, default: fallback)
        guard choices.contains(value) else {
            throw ConfigError(.outOfRange, path: childPath(key), location: locationOf(key),
                              "'\(value)' is not one of \(choices.joined(separator: ", "))",
                              suggestion: ConfigError.nearest(value, in: choices))
        }
        return value
    }

    /// A list of numbers of exactly `count` elements, each in `range`.
    func doubles(_ key: String, count: Int, default fallback: [Double], in range: ClosedRange<Double>) throws -> [Double] {
        guard let value = node(key) else { return fallback }
        guard case .sequence(let items, _) = value, items.count == count else {
            throw ConfigError(.wrongType, path: childPath(key), location: value.location, "expected a list of \(count) numbers")
        }
        return try items.enumerated().map { index, item in
            guard case .scalar(let text, let itemLocation) = item, let number = Double(text), number.isFinite else {
                throw ConfigError(.wrongType, path: "\(childPath(key)).\(index)", location: item.location, "expected a number")
            }
            guard range.contains(number) else {
                throw ConfigError(.outOfRange, path: "\(childPath(key)).\(index)", location: itemLocation,
                                  "\(text) is outside [\(range.lowerBound), \(range.upperBound)]")
            }
            return number
        }
    }

    /// The mapping under `key` as a reader, or nil when absent.
    func child(_ key: String, allowed: [String]) throws -> ConfigReader? {
        guard let value = node(key) else { return nil }
        return try ConfigReader(value, path: childPath(key), allowed: allowed)
    }

    /// Keys of this mapping in order.
    var keys: [String] { entries.map(\.key) }

    /// Records the lines of `keys` (and of this mapping) under their dotted paths, so a value that is
    /// only rejected later, against the data or another key, is reported at its own line.
    func recordLocations(of keys: [String], into locations: inout [String: ConfigLocation]) {
        for key in keys { locations[childPath(key)] = locationOf(key) }
        locations[path] = location
    }

    /// The run name at `key`: it names the run folder, so it must be non-empty and hold no '/'.
    func runName(_ key: String = "name", default fallback: String) throws -> String {
        let name = try string(key, default: fallback)
        guard !name.isEmpty, !name.contains("/") else {
            throw ConfigError(.outOfRange, path: childPath(key), location: locationOf(key), "a run name must be non-empty and contain no '/'")
        }
        return name
    }
}
