import Foundation
import Testing
@testable import SensorData

/// A fresh folder under the system temporary directory, removed by `remove()`; tests write their
/// tiny fixture files into it so the package needs no test resources.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sensorfm-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `relativePath` (creating folders) and returns its URL.
    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    func folder(_ relativePath: String) throws -> URL {
        let folder = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` and returns the `DataError` it throws, recording an issue when it throws nothing or
/// something else.
func captureDataError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> DataError? {
    do {
        try body()
        Issue.record("expected a DataError, none was thrown", sourceLocation: sourceLocation)
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Checks that `body` throws a `DataError` of `kind` whose message names `file` and `line` as
/// `file:line:` and contains every fragment.
func expectDataError(_ kind: DataError.Kind, file: String, line: Int?, containing fragments: [String] = [],
                     sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    guard let error = captureDataError(sourceLocation: sourceLocation, body) else { return }
    let text = error.description
    #expect(error.kind == kind, "kind \(error.kind) in: \(text)", sourceLocation: sourceLocation)
    #expect(error.line == line, "line \(String(describing: error.line)) in: \(text)", sourceLocation: sourceLocation)
    let location = line.map { "\(file):\($0):" } ?? "\(file):"
    #expect(text.contains(location), "expected \(location) in: \(text)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(text.contains(fragment), "expected \"\(fragment)\" in: \(text)", sourceLocation: sourceLocation)
    }
}

/// Expects every pair of values within `tolerance`.
func expectValues(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-6,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) values, expected \(expected.count): \(actual.prefix(8))", sourceLocation: sourceLocation)
        return
    }
    for (index, (value, reference)) in zip(actual, expected).enumerated() where !(abs(value - reference) <= tolerance) {
        Issue.record("value [\(index)] is \(value), expected \(reference)", sourceLocation: sourceLocation)
        return
    }
}
