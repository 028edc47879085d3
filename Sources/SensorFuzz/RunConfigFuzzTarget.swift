import Foundation
import SensorRun

/// Fuzzes the experiment config reader (`ConfigNode.parse` then `RunConfiguration.read`) with mutated
/// copies of the project's own `Experiments/*.yaml`. A rejection must be a `ConfigError` located in the
/// input (its file, a line inside it or none), with a dotted key path and a bounded one-line message;
/// an accepted configuration must read back equal from its resolved YAML.
struct RunConfigFuzzTarget: FuzzTarget {
    let name = "run-config"
    /// The seeds: every experiment config of the package, in file-name order.
    let seeds: [String]

    /// Reads `Experiments/*.yaml` next to the package's sources (where this file was compiled from),
    /// or under the working directory when the sources have moved.
    init() {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [package.appendingPathComponent("Experiments"),
                          URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Experiments")]
        var seeds: [String] = []
        for folder in candidates where seeds.isEmpty {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            seeds = files.filter { $0.hasSuffix(".yaml") }.sorted().compactMap {
                try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
            }
        }
        self.seeds = seeds
    }

    /// YAML-shaped tokens on top of the text dictionary: config keys, choices and odd scalars.
    private static let dictionary: [[UInt8]] = DataFuzzSupport.textDictionary + [
        "kind", "masked_reconstruction", "contrastive", "cross_modal", "subject_aware", "objectives", "model", "patches",
        "ppg", "acc", "temp", "eda", "training", "batch_size", "data", "synthetic", "path", "lr", "1e-3", "''", "\"\"",
        "[]", "{}", "- kind: contrastive", "? ", "|", ">", "!!int", "&anchor ", "*anchor", "%YAML 1.2", "\\",
    ].map { Array($0.utf8) }

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        guard !seeds.isEmpty else { return [] }
        let seed = mutator.pick(seeds)
        if mutator.chance(0.4) {
            var lines = seed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for _ in 0..<mutator.nextInt(in: 1...3) { Self.mutateEntry(&lines, using: &mutator) }
            return Array(lines.joined(separator: "\n").utf8)
        }
        var bytes = DataFuzzSupport.mutateText(seed, using: &mutator)
        if mutator.chance(0.2) { mutator.mutateBytes(&bytes, rounds: 1, dictionary: Self.dictionary) }
        return bytes
    }

    /// Edits one `key: value` line: a new value (boundary number, other word, empty, list, mapping), a
    /// key with a typo, or a changed indentation.
    static func mutateEntry(_ lines: inout [String], using mutator: inout Mutator) {
        let entries = lines.indices.filter { lines[$0].contains(":") && !lines[$0].hasPrefix("#") }
        guard !entries.isEmpty else { return }
        let index = mutator.pick(entries), line = lines[index]
        let colon = line.firstIndex(of: ":")!
        let key = String(line[..<colon]), value = String(line[line.index(after: colon)...])
        switch mutator.nextInt(below: 5) {
        case 0:
            lines[index] = key + ": " + mutator.interestingNumberLiteral()
        case 1:
            let words = ["", "~", "true", "resnet1d", "forecast", "modality", "light", "sgd", "constant", "x", "[1, 2]", "{a: 1}", "-1"]
            lines[index] = key + ": " + mutator.pick(words)
        case 2:
            var characters = Array(key)
            let letters = characters.indices.filter { characters[$0].isLetter }
            if let position = letters.isEmpty ? nil : mutator.pick(letters) {
                if mutator.chance(0.5) { characters.remove(at: position) } else { characters.insert("x", at: position) }
            }
            lines[index] = String(characters) + ":" + value
        case 3:
            lines[index] = (mutator.chance(0.5) ? "  " : "") + line.drop { $0 == " " && mutator.chance(0.5) }
        default:
            lines.insert(line, at: mutator.nextInt(in: 0...lines.count))
        }
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        guard !seeds.isEmpty else { return .failure("no seed configs found under Experiments/") }
        let base = URL(fileURLWithPath: "/nonexistent/sensorfm-fuzz")
        let configuration: RunConfiguration
        do {
            let node = try ConfigNode.parse(yaml: String(decoding: input, as: UTF8.self), file: label)
            configuration = try RunConfiguration.read(node, baseDirectory: base, defaultName: "fuzz")
        } catch let error as ConfigError {
            return judge(error, label: label, input: input)
        } catch {
            return .failure("threw \(type(of: error)) instead of ConfigError: \(String(describing: error).prefix(300))")
        }
        do {
            let resolved = try configuration.resolvedYAML()
            let again = try RunConfiguration.read(try ConfigNode.parse(yaml: resolved, file: "<resolved>"), baseDirectory: base)
            guard again == configuration else {
                return .failure("the resolved YAML reads back with other \(Self.differences(configuration, again)): \(resolved.prefix(2000))")
            }
        } catch {
            return .failure("the resolved YAML of an accepted config does not read back: \(String(describing: error).prefix(300))")
        }
        return .accepted
    }

    /// The sections in which two configurations differ, with both values.
    static func differences(_ a: RunConfiguration, _ b: RunConfiguration) -> String {
        let sections: [(String, Any, Any, Bool)] = [
            ("name", a.name, b.name, a.name == b.name), ("seed", a.seed, b.seed, a.seed == b.seed),
            ("threads", a.threads, b.threads, a.threads == b.threads), ("model", a.model, b.model, a.model == b.model),
            ("objectives", a.objectives, b.objectives, a.objectives == b.objectives), ("data", a.data, b.data, a.data == b.data),
            ("windowing", a.windowing, b.windowing, a.windowing == b.windowing), ("split", a.split, b.split, a.split == b.split),
            ("optimizer", a.optimizer, b.optimizer, a.optimizer == b.optimizer),
            ("schedule", a.schedule, b.schedule, a.schedule == b.schedule),
            ("training", a.training, b.training, a.training == b.training),
        ]
        return sections.filter { !$0.3 }.map { "\($0.0) (\($0.1) then \($0.2))" }.joined(separator: ", ")
    }

    private func judge(_ error: ConfigError, label: String, input: [UInt8]) -> FuzzOutcome {
        let lineBound = 2 + input.reduce(0) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
        guard let location = error.location, location.file == label, error.description.hasPrefix(label) else {
            return .failure("error is not located in the input: \(error.description.prefix(300))")
        }
        if let line = location.line, line < 1 || line > lineBound {
            return .failure("error names line \(line) of an input with at most \(lineBound - 1) lines: \(error.description.prefix(300))")
        }
        let components = error.path.split(separator: ".", omittingEmptySubsequences: false)
        guard error.path.isEmpty || !components.contains(where: \.isEmpty) else {
            return .failure("malformed key path '\(error.path)': \(error.description.prefix(300))")
        }
        guard !error.message.isEmpty, error.description.count <= 1000, !error.description.contains("\n") else {
            return .failure("malformed message (\(error.description.count) characters): \(error.description.prefix(300))")
        }
        return .rejected(category: "\(error.kind.rawValue): " + FuzzDriver.category(of: error.message))
    }
}
