import Foundation

/// The stages of `sensorfm run`, in the order they run.
public enum PipelineStage: String, CaseIterable, Sendable {
    case data, pretrain, evaluate, finetune, distill, export, report

    /// Stages whose output this one reads (each must be in the pipeline too).
    var dependencies: [PipelineStage] {
        switch self {
        case .data: []
        case .pretrain: [.data]
        case .evaluate, .finetune: [.pretrain]
        case .distill: [.finetune]
        case .export: [.distill]
        case .report: [.pretrain]
        }
    }
}

/// A pipeline file read in full (after `--set` overrides): every stage's typed config, read exactly as the
/// stage command reads its section, so a stage of `sensorfm run` and the stage command given the same file
/// train the same thing.
public struct PipelineConfiguration {
    public var name: String
    public var file: URL
    public var stages: [PipelineStage]
    public var pretrain: RunConfiguration
    public var evaluate: EvaluationConfiguration?
    public var finetune: EvaluationConfiguration?
    public var distill: DistillationRunConfiguration?
    public var export: ExportSettings
    public var report: ReportSettings

    /// How the student is exported and checked.
    public struct ExportSettings: Sendable, Equatable {
        public static let formatNames = ["tflite", "c"]
        public static let verifierNames = ["tflite_micro", "none"]
        public var formats: [String]
        /// tflite_micro: replay the distill run's test windows in the TFLite Micro interpreter (Scripts/check_tflite.py).
        public var verify: String
    }

    public struct ReportSettings: Sendable, Equatable {
        public var title: String
    }

    static let exportKeys = ["formats", "verify"]
    static let reportKeys = ["title"]

    /// Reads `file` with `overrides` (`pretrain.optimizer.lr=3e-4`, `seed=3`) applied to the whole document.
    public static func load(file: URL, overrides: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineConfiguration {
        var document = try ConfigNode.load(file)
        guard PipelineFile.isPipeline(document) else {
            throw ConfigError(.missingKey, path: PipelineFile.recognitionKey, location: ConfigLocation(file: file.path, line: 1),
                              "not a pipeline file: `sensorfm run` needs a top-level `stages` list (e.g. Experiments/quickstart.yaml); a single stage's config goes to its own command")
        }
        for assignment in overrides { document = try document.overriding(assignment) }
        return try read(document, file: file, environment: environment)
    }

    static func read(_ document: ConfigNode, file: URL, environment: [String: String]) throws -> PipelineConfiguration {
        let top = try ConfigReader(document, path: "", allowed: PipelineFile.topKeys)
        let name = try PipelineFile.pipelineName(document, default: file.deletingPathExtension().lastPathComponent)
        _ = try top.seed("seed", default: 0)
        _ = try top.int("threads", default: 2, in: 1...256)
        let stages = try readStages(top)
        let base = file.deletingLastPathComponent()
        func section<Value>(_ stage: String, _ read: (ConfigNode) throws -> Value) throws -> Value {
            let node = try PipelineFile.sectionNode(stage, of: document, defaultName: file.deletingPathExtension().lastPathComponent)
            return try PipelineFile.naming(stage) { try read(node) }
        }
        func optional<Value>(_ stage: PipelineStage, _ read: (ConfigNode) throws -> Value) throws -> Value? {
            guard stages.contains(stage) else { return nil }
            return try section(stage.rawValue, read)
        }
        let pretrain = try section("pretrain") { try RunConfiguration.read($0, baseDirectory: base, environment: environment) }
        let evaluate = try optional(.evaluate) { try EvaluationConfiguration.read($0, baseDirectory: base) }
        let finetune = try optional(.finetune) { try EvaluationConfiguration.read($0, baseDirectory: base) }
        let distill = try optional(.distill) { try DistillationRunConfiguration.read($0, baseDirectory: base) }
        if let distill, let finetune, !finetune.tasks.contains(distill.task) {
            throw ConfigError(.inconsistent, path: "distill.task", location: top.locationOf("distill"),
                              "the student learns \(distill.task), but the finetune section trains only \(finetune.tasks.joined(separator: ", "))")
        }

        let exportReader = try top.child("export", allowed: exportKeys)
        var formats = ExportSettings.formatNames
        if let exportReader, exportReader.has("formats") { formats = try names(exportReader, "formats", choices: ExportSettings.formatNames) }
        let verify = try exportReader?.choice("verify", ExportSettings.verifierNames, default: "tflite_micro") ?? "tflite_micro"
        let reportReader = try top.child("report", allowed: reportKeys)
        let title = try reportReader?.string("title", default: "SensorFM report: \(name)") ?? "SensorFM report: \(name)"
        return PipelineConfiguration(name: name, file: file.standardizedFileURL, stages: stages, pretrain: pretrain, evaluate: evaluate,
                                     finetune: finetune, distill: distill, export: ExportSettings(formats: formats, verify: verify),
                                     report: ReportSettings(title: title))
    }

    /// `stages`: distinct stage names in pipeline order, each with the stages it reads.
    private static func readStages(_ top: ConfigReader) throws -> [PipelineStage] {
        let all = PipelineStage.allCases.map(\.rawValue)
        let listed = try names(top, PipelineFile.recognitionKey, choices: all)
        let stages = listed.map { PipelineStage(rawValue: $0)! }
        let location = top.locationOf(PipelineFile.recognitionKey)
        guard stages == stages.sorted(by: { all.firstIndex(of: $0.rawValue)! < all.firstIndex(of: $1.rawValue)! }) else {
            throw ConfigError(.inconsistent, path: "stages", location: location, "list the stages in pipeline order: \(all.joined(separator: ", "))")
        }
        for stage in stages {
            for needed in stage.dependencies where !stages.contains(needed) {
                throw ConfigError(.inconsistent, path: "stages", location: location, "\(stage.rawValue) reads the output of \(needed.rawValue); add it")
            }
        }
        return stages
    }

    /// A non-empty list of distinct names from `choices`.
    private static func names(_ reader: ConfigReader, _ key: String, choices: [String]) throws -> [String] {
        guard let node = reader.node(key) else {
            throw ConfigError(.missingKey, path: reader.childPath(key), location: reader.location, "required list is missing (\(choices.joined(separator: ", ")))")
        }
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            throw ConfigError(.wrongType, path: reader.childPath(key), location: node.location, "expected a non-empty list of \(choices.joined(separator: ", "))")
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            let path = "\(reader.childPath(key)).\(index)"
            guard case .scalar(let text, let location) = item else {
                throw ConfigError(.wrongType, path: path, location: item.location, "expected a name")
            }
            guard choices.contains(text) else {
                throw ConfigError(.outOfRange, path: path, location: location, "'\(text)' is not one of \(choices.joined(separator: ", "))",
                                  suggestion: ConfigError.nearest(text, in: choices))
            }
            guard !result.contains(text) else { throw ConfigError(.inconsistent, path: path, location: location, "'\(text)' appears twice") }
            result.append(text)
        }
        return result
    }
}
