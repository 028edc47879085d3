import Foundation
import SensorData
import Synchronization
import Testing
@testable import SensorRun

/// The synthetic cohort cache: runs (or parallel tests) that generate the same cohort at the same time all end
/// with one complete copy and no leftover folders, and a folder an interrupted writer left without a manifest is
/// replaced. The race itself is rare on a tiny cohort (it failed one CI run of parallel unit tests), so the first
/// test checks the contract under concurrency rather than reproducing every interleaving.
@Suite struct CohortCacheTests {
    static func configuration(cache: URL) throws -> RunConfiguration {
        try RunConfiguration.load(file: RunTestSupport.writeConfig(RunTestSupport.yaml),
                                  environment: [RunConfiguration.cacheEnvironmentVariable: cache.path])
    }

    @Test func concurrentGenerationsOfOneCohortAllSucceed() throws {
        let cache = RunTestSupport.temporaryDirectory("cohort-race")
        let configuration = try Self.configuration(cache: cache)
        let results = Mutex<[Result<URL, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let result = Result { try RunData.datasetDirectory(configuration) { _ in } }
            results.withLock { $0.append(result) }
        }
        let folders = try results.withLock { try $0.map { try $0.get() } }
        #expect(Set(folders.map(\.standardizedFileURL.path)).count == 1)
        let folder = try #require(folders.first)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(DatasetManifest.fileName).path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == [folder.lastPathComponent])
    }

    @Test func aFolderWithoutAManifestIsReplaced() throws {
        let cache = RunTestSupport.temporaryDirectory("cohort-half")
        let configuration = try Self.configuration(cache: cache)
        let folder = try RunData.datasetDirectory(configuration) { _ in }
        try FileManager.default.removeItem(at: folder.appendingPathComponent(DatasetManifest.fileName))
        #expect(try RunData.datasetDirectory(configuration) { _ in }.standardizedFileURL.path == folder.standardizedFileURL.path)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(DatasetManifest.fileName).path))
    }
}
