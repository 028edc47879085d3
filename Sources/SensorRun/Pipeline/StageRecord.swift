import Foundation
import SensorData

/// The identity of one stage's output: a SHA-256 over the stage's name, the code version, its resolved config and
/// the identities of what it reads (the data manifest's hash, upstream stages' identities, a device profile's
/// bytes). Equal identities mean equal outputs (every stage is deterministic for a config and seed), so a folder
/// with a completion record of this identity is reused; a changed config changes this stage's identity and, through
/// the inputs, every downstream one.
public struct StageIdentity: Sendable, Equatable {
    public let stage: PipelineStage
    /// Lower-case hex SHA-256.
    public let hash: String
    public let configSHA256: String
    public let inputs: [String: String]

    /// Characters of the hash in the stage folder's name (48 bits: collisions need ~16 million configs).
    static let folderHashLength = 12

    init(stage: PipelineStage, config: String, inputs: [String: String]) {
        self.stage = stage
        configSHA256 = SHA256.hexDigest(Array(config.utf8))
        self.inputs = inputs
        var material = "sensorfm pipeline stage v1\nstage \(stage.rawValue)\ncode \(PretrainRun.codeVersion)\nconfig \(configSHA256)\n"
        for key in inputs.keys.sorted() { material += "input \(key) \(inputs[key]!)\n" }
        hash = SHA256.hexDigest(Array(material.utf8))
    }

    /// `STAGE-HASH12`, the stage's folder in the pipeline's run folder.
    public var folderName: String { "\(stage.rawValue)-\(hash.prefix(Self.folderHashLength))" }
}

/// `stage.json`, written atomically as the last act of a completed stage: its presence (with the folder's
/// identity) is what makes the folder reusable. A folder without it is an interrupted stage.
struct StageRecord: Codable, Equatable {
    static let fileName = "stage.json"
    var stage: String
    var hash: String
    var codeVersion: String
    var configSHA256: String
    var inputs: [String: String]
    /// How the output was made: ran, or resumed (from a checkpoint of an interrupted run).
    var outcome: String
    var seconds: Double
    var completed: String

    init(identity: StageIdentity, outcome: StageOutcome, seconds: Double) {
        stage = identity.stage.rawValue
        hash = identity.hash
        codeVersion = PretrainRun.codeVersion
        configSHA256 = identity.configSHA256
        inputs = identity.inputs
        self.outcome = outcome.rawValue
        self.seconds = (seconds * 10).rounded() / 10
        completed = ISO8601DateFormatter().string(from: Date())
    }

    /// The record in `folder` when it completes `identity`; nil when absent, unreadable or of another identity.
    static func completed(_ folder: URL, identity: StageIdentity) -> StageRecord? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(fileName).path),
              let record = try? JSONDecoder().decode(StageRecord.self, from: data), record.hash == identity.hash else { return nil }
        return record
    }

    func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try RunFolder.writeAtomically(try encoder.encode(self) + Data("\n".utf8), to: folder.appendingPathComponent(Self.fileName))
    }
}

/// What `sensorfm run` did for a stage.
public enum StageOutcome: String, Sendable {
    /// A completed folder of the same identity was found and used as it is.
    case reused
    /// An interrupted folder of the same identity was continued from its checkpoint.
    case resumed
    /// The stage was run from the start (an interrupted folder of a stage that cannot resume is removed first).
    case ran
}
