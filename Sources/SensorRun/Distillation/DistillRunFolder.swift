import Foundation

/// Writes a finished run folder in one step: every file goes to a temporary sibling directory that is renamed
/// to `destination` at the end; an existing destination is never touched and a failure leaves nothing.
enum DistillRunFolder {
    /// Writes `files`, then lets `more` add to the temporary folder, then renames it to `destination`.
    static func write(to destination: URL, files: [(name: String, contents: Data)], more: (URL) throws -> Void = { _ in }) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: destination.path) { throw RunError.alreadyExists(path: destination.path) }
        let parent = destination.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
            for file in files { try file.contents.write(to: temporary.appendingPathComponent(file.name)) }
            try more(temporary)
            try manager.moveItem(at: temporary, to: destination)
        } catch {
            try? manager.removeItem(at: temporary)
            throw RunError.io(path: destination.path, "cannot write the run folder: \(error.localizedDescription)")
        }
    }

    /// Pretty, key-sorted JSON of a plain object.
    static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) + Data("\n".utf8)
    }

    /// Pretty, key-sorted JSON of a Codable value.
    static func encoded<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }
}
