import Foundation
import Testing

@testable import SafeTensors

@Suite("SafeTensors atomic write")
struct SafeTensorsWriteTests {
    /// A fresh empty folder under the system temporary directory, removed by the caller.
    private func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        return folder
    }

    private func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    private func sample(_ value: Float) -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: ["step": "\(Int(value))"])
        file["weight"] = SafeTensorsEntry(floats: [value, value + 1], shape: [1, 2])
        return file
    }

    @Test func writeLeavesOnlyTheTargetAndReadsBack() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try sample(1).write(to: url)
        #expect(try contents(of: folder) == ["model.safetensors"])
        #expect(try SafeTensorsFile(contentsOf: url) == sample(1))
    }

    @Test func writeReplacesAnExistingFile() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try Data(repeating: 0xAB, count: 4096).write(to: url)
        try sample(2).write(to: url)
        #expect(try contents(of: folder) == ["model.safetensors"])
        #expect(try Data(contentsOf: url) == sample(2).serialized())
    }

    @Test func writeIntoAMissingFolderThrowsAndCreatesNothing() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("missing/model.safetensors")
        do {
            try sample(3).write(to: url)
            Issue.record("write into a missing folder succeeded")
        } catch let error as SafeTensorsError {
            #expect(error.source == url.path)
            #expect(error.reason.hasPrefix("cannot create temporary file"))
            #expect(error.reason.hasSuffix("No such file or directory"))
        }
        #expect(try contents(of: folder) == [])
    }

    @Test func failedRenameRemovesTheTemporaryFile() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The target is a non-empty folder, so rename(2) fails after the temporary file is complete.
        let target = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("keep"))
        #expect(throws: SafeTensorsError.self) { try sample(4).write(to: target) }
        #expect(try contents(of: folder) == ["occupied"])
        #expect(try contents(of: target) == ["keep"])
    }

    @Test func readingAMissingFileNamesThePath() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).safetensors")
        do {
            _ = try SafeTensorsFile(contentsOf: url)
            Issue.record("reading a missing file succeeded")
        } catch let error as SafeTensorsError {
            #expect(error.source == url.path)
            #expect(error.reason.hasPrefix("cannot read file: "))
        }
    }
}
