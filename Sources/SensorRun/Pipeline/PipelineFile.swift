import Foundation

/// One config file for every stage. A YAML file whose top level has a `stages` key is a pipeline file:
///
///     name: quickstart                    # shared: the run name (stage runs are NAME-STAGE)
///     seed: 0                             # shared: default seed of every section
///     threads: 2                          # shared: default threads of every section
///     stages: [data, pretrain, evaluate, finetune, distill, export, report]
///     data: {synthetic: {...}}            # shared: the pretraining data (the pretrain section's `data`)
///     pretrain: {...}                     # a `sensorfm pretrain` config
///     evaluate: {...}                     # a `sensorfm evaluate` config
///     finetune: {...}                     # a `sensorfm finetune` config (the teacher)
///     distill: {...}                      # a `sensorfm distill` config
///     export: {formats: [tflite, c], verify: tflite_micro}
///     report: {title: ...}
///
/// Each section is exactly the stage's own schema; the shared keys fill in whatever the section leaves out
/// (a section's own `seed` or `threads` wins; `data` may be given at the top or in `pretrain`, not both).
/// Any stage command given a pipeline file reads its section, so `sensorfm pretrain quickstart.yaml` and
/// `sensorfm run quickstart.yaml` train the same model. Errors inside a section name the section
/// (`pretrain.optimizer.lrr`) with the file and line.
public enum PipelineFile {
    /// The key that makes a YAML file a pipeline file.
    public static let recognitionKey = "stages"
    /// Sections a stage command can read, by the command's name.
    public static let sectionNames = ["pretrain", "evaluate", "finetune", "distill"]
    static let sharedKeys = ["name", "seed", "threads", "data"]
    static let topKeys = ["name", "seed", "threads", "stages", "data", "pretrain", "evaluate", "finetune", "distill", "export", "report"]

    /// Whether `node` is a pipeline file (a mapping with a top-level `stages` key).
    public static func isPipeline(_ node: ConfigNode) -> Bool {
        guard case .mapping(let entries, _) = node else { return false }
        return entries.contains { $0.key == recognitionKey }
    }

    /// Reads `file` as `section`'s config: a stage config file as it is, or a pipeline file's section with the
    /// shared keys filled in. `overrides` apply to what is read (for a pipeline file: to the section).
    /// `body` gets the tree and the default run name; its `ConfigError`s are given the section's path.
    static func readStage<Result>(_ section: String, of file: URL, overrides: [String],
                                  _ body: (ConfigNode, String) throws -> Result) throws -> Result {
        let document = try ConfigNode.load(file)
        let fileName = file.deletingPathExtension().lastPathComponent
        guard isPipeline(document) else {
            var node = document
            for assignment in overrides { node = try node.overriding(assignment) }
            return try body(node, fileName)
        }
        var node = try sectionNode(section, of: document, defaultName: fileName)
        for assignment in overrides { node = try node.overriding(assignment) }
        let name = "\(try pipelineName(document, default: fileName))-\(section)"
        return try naming(section) { try body(node, name) }
    }

    /// The pipeline's run name: its `name`, else the file's name.
    static func pipelineName(_ document: ConfigNode, default fallback: String) throws -> String {
        let top = try ConfigReader(document, path: "", allowed: topKeys)
        let name = try top.string("name", default: fallback)
        guard !name.isEmpty, !name.contains("/") else {
            throw ConfigError(.outOfRange, path: "name", location: top.locationOf("name"), "a run name must be non-empty and contain no '/'")
        }
        return name
    }

    /// `section` of a pipeline document with `name` (NAME-SECTION; NAME defaults to `defaultName`, the file's name), `seed`, `threads` and, for pretrain, `data`
    /// filled in from the top level where the section has none.
    static func sectionNode(_ section: String, of document: ConfigNode, defaultName: String) throws -> ConfigNode {
        let top = try ConfigReader(document, path: "", allowed: topKeys)
        guard let node = top.node(section) else {
            throw ConfigError(.missingKey, path: section, location: top.location,
                              "this pipeline file has no \(section) section (its sections: \(top.keys.filter { !sharedKeys.contains($0) && $0 != recognitionKey }.joined(separator: ", ")))")
        }
        guard case .mapping(var entries, let location) = node else {
            throw ConfigError(.wrongType, path: section, location: node.location, "expected a mapping (the \(section) config)")
        }
        func inherit(_ key: String, _ value: ConfigNode?) {
            guard let value, !entries.contains(where: { $0.key == key }) else { return }
            entries.append(ConfigEntry(key: key, value: value, location: top.locationOf(key)))
        }
        let name = try pipelineName(document, default: defaultName)
        inherit("name", .scalar("\(name)-\(section)", top.locationOf("name")))
        inherit("seed", top.node("seed"))
        inherit("threads", top.node("threads"))
        if section == "pretrain", let data = top.node("data") {
            if entries.contains(where: { $0.key == "data" }) {
                throw ConfigError(.inconsistent, path: "pretrain.data", location: entries.first { $0.key == "data" }!.location,
                                  "the data is given at the top level (line \(top.locationOf("data").line.map(String.init) ?? "?")) and in pretrain; give it once")
            }
            inherit("data", data)
        }
        return .mapping(entries, location)
    }

    /// Runs `body`, naming the section in the path of a `ConfigError` it throws (a key the section inherited
    /// from the top level keeps its own path).
    static func naming<Result>(_ section: String, _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch var error as ConfigError {
            let first = error.path.split(separator: ".").first.map(String.init) ?? ""
            if !sharedKeys.contains(first) {
                error.path = error.path.isEmpty ? section : "\(section).\(error.path)"
                if error.kind == .unknownKey, let suggestion = error.suggestion { error.suggestion = "\(section).\(suggestion)" }
            }
            throw error
        }
    }
}

/// Command-line values `sensorfm run` applies to the whole pipeline.
public enum PipelineOverrides {
    /// `--threads N`: the top-level threads and those of every section that sets its own.
    public static func threads(_ threads: Int, file: URL) throws -> [String] {
        let document = try ConfigNode.load(file)
        var overrides = ["threads=\(threads)"]
        guard case .mapping(let entries, _) = document else { return overrides }
        for entry in entries where PipelineFile.sectionNames.contains(entry.key) {
            if case .mapping(let keys, _) = entry.value, keys.contains(where: { $0.key == "threads" }) {
                overrides.append("\(entry.key).threads=\(threads)")
            }
        }
        return overrides
    }
}
