import Foundation
import SensorEval

extension EvaluationConfiguration {
    static let topKeys = ["name", "seed", "threads", "tasks", "data", "protocol", "fractions", "seeds", "modes", "baselines",
                          "checkpoint", "finetune", "scratch", "bootstrap"]
    static let dataKeys = ["path"]
    static let protocolKinds = ["pretraining_split", "holdout", "leave_subjects_out"]
    static let protocolKeys = ["kind", "validation_fraction", "test_fraction", "seed", "folds", "validation_subjects"]
    static let baselineKeys = ["scratch", "features", "peak_detection"]
    static let fineTuneKeys = ["head", "hidden", "regression_loss", "huber_delta", "epochs", "min_steps", "max_steps", "batch_size",
                               "lr", "weight_decay", "warmup_fraction", "layer_decay", "partial_blocks", "inference_batch_size"]
    static let scratchKeys = ["lr", "epochs"]
    static let bootstrapKeys = ["resamples", "level", "seed"]
    static let taskNames = ["activity", "heart_rate", "stress"]

    /// Reads a configuration file (of a pipeline file, its `section`: evaluate or finetune, see `PipelineFile`)
    /// and applies `--set` overrides in order; relative paths resolve against the file's folder.
    public static func load(file: URL, overrides: [String] = [], section: String = "evaluate") throws -> EvaluationConfiguration {
        try PipelineFile.readStage(section, of: file, overrides: overrides) { node, defaultName in
            try read(node, baseDirectory: file.deletingLastPathComponent(), defaultName: defaultName)
        }
    }

    /// Reads a parsed tree; a relative `data.path` resolves against `baseDirectory`.
    public static func read(_ node: ConfigNode, baseDirectory: URL, defaultName: String = "evaluation") throws -> EvaluationConfiguration {
        let top = try ConfigReader(node, path: "", allowed: topKeys)
        var locations: [String: ConfigLocation] = ["": top.location]
        top.recordLocations(of: topKeys, into: &locations)
        let name = try top.runName(default: defaultName)
        let seed = try top.seed("seed", default: 0)
        let threads = try top.int("threads", default: 2, in: 1...256)
        let tasks = try strings(top, "tasks", choices: taskNames, default: ["activity", "heart_rate"])
        let modes = try strings(top, "modes", choices: modeNames, default: ["probe"])
        let fractions = try numbers(top, "fractions", default: LabelFraction.standardFractions).map { item in
            guard item.value > 0, item.value <= 1 else {
                throw ConfigError(.outOfRange, path: item.path, location: item.location, "a label fraction must be in (0, 1], got \(item.value)")
            }
            return item.value
        }
        let seeds = try numbers(top, "seeds", default: [0]).map { item in
            guard item.value >= 0, item.value == item.value.rounded(), item.value < 1e15 else {
                throw ConfigError(.wrongType, path: item.path, location: item.location, "a seed is a non-negative whole number")
            }
            return UInt64(item.value)
        }
        guard Set(fractions).count == fractions.count, Set(seeds).count == seeds.count else {
            throw ConfigError(.inconsistent, path: Set(fractions).count == fractions.count ? "seeds" : "fractions",
                              location: top.location, "each label fraction and each seed may appear once")
        }

        var dataPath: URL?
        if let dataReader = try top.child("data", allowed: dataKeys) {
            dataReader.recordLocations(of: dataKeys, into: &locations)
            dataPath = URL(fileURLWithPath: try dataReader.string("path"), relativeTo: baseDirectory).standardizedFileURL
        }
        let evaluationProtocol = try readProtocol(top, locations: &locations)

        let baselines = try top.child("baselines", allowed: baselineKeys)
        if let baselines { baselines.recordLocations(of: baselineKeys, into: &locations) }
        let checkpoint = try top.choice("checkpoint", checkpointChoices, default: "last")

        let tune = try top.child("finetune", allowed: fineTuneKeys)
        if let tune { tune.recordLocations(of: fineTuneKeys, into: &locations) }
        let fineTune = try readFineTune(tune)
        let scratch = try top.child("scratch", allowed: scratchKeys)
        if let scratch { scratch.recordLocations(of: scratchKeys, into: &locations) }
        let bootstrapReader = try top.child("bootstrap", allowed: bootstrapKeys)
        if let bootstrapReader { bootstrapReader.recordLocations(of: bootstrapKeys, into: &locations) }
        let bootstrap = BootstrapSettings(
            resamples: try bootstrapReader?.int("resamples", default: 1000, in: 1...1_000_000) ?? 1000,
            level: try bootstrapReader?.double("level", default: 0.95, in: 0...1, open: true) ?? 0.95,
            seed: try bootstrapReader?.seed("seed", default: 0) ?? 0)

        return EvaluationConfiguration(
            name: name, seed: seed, threads: threads, tasks: tasks, dataPath: dataPath, evaluationProtocol: evaluationProtocol,
            fractions: fractions, seeds: seeds, modes: modes,
            scratch: try baselines?.bool("scratch", default: true) ?? true,
            featureBaseline: try baselines?.bool("features", default: true) ?? true,
            peakDetectionBaseline: try baselines?.bool("peak_detection", default: true) ?? true,
            checkpoint: checkpoint, fineTune: fineTune,
            scratchLearningRate: try scratch.flatMap { $0.has("lr") ? try $0.float("lr", in: 0...10, open: true) : nil },
            scratchEpochs: try scratch.flatMap { $0.has("epochs") ? try $0.int("epochs", in: 1...100_000) : nil },
            bootstrap: bootstrap, locations: locations)
    }

    private static func readProtocol(_ top: ConfigReader, locations: inout [String: ConfigLocation]) throws -> EvaluationProtocol? {
        guard let reader = try top.child("protocol", allowed: protocolKeys) else { return nil }
        reader.recordLocations(of: protocolKeys, into: &locations)
        let kind = try reader.choice("kind", protocolKinds, default: "pretraining_split")
        let allowed: [String] = switch kind {
        case "holdout": ["kind", "validation_fraction", "test_fraction", "seed"]
        case "leave_subjects_out": ["kind", "folds", "validation_subjects", "seed"]
        default: ["kind"]
        }
        for key in reader.keys where !allowed.contains(key) {
            throw ConfigError(.inconsistent, path: reader.childPath(key), location: reader.locationOf(key),
                              "does not apply to protocol kind \(kind) (its keys: \(allowed.joined(separator: ", ")))")
        }
        switch kind {
        case "holdout":
            let validation = try reader.double("validation_fraction", default: 0.15, in: 0...0.9)
            let test = try reader.double("test_fraction", default: 0.2, in: 0...0.9, open: true)
            guard validation + test < 1 else {
                throw ConfigError(.outOfRange, path: "protocol.test_fraction", location: reader.locationOf("test_fraction"),
                                  "validation_fraction + test_fraction must be below 1")
            }
            return .holdout(validationFraction: validation, testFraction: test, seed: try reader.seed("seed", default: 0))
        case "leave_subjects_out":
            return .leaveSubjectsOut(folds: try reader.int("folds", default: 5, in: 2...10_000),
                                     validationSubjects: try reader.int("validation_subjects", default: 0, in: 0...10_000),
                                     seed: try reader.seed("seed", default: 0))
        default:
            return nil
        }
    }

    private static func readFineTune(_ reader: ConfigReader?) throws -> FineTuneSettings {
        let headName = try reader?.choice("head", FineTuneSettings.headNames, default: "linear") ?? "linear"
        let head: HeadKind = headName == "mlp" ? .mlp(hidden: try reader?.int("hidden", default: 64, in: 1...65536) ?? 64) : .linear
        if headName == "linear", let reader, reader.has("hidden") {
            throw ConfigError(.inconsistent, path: "finetune.hidden", location: reader.locationOf("hidden"), "applies to head: mlp only")
        }
        let lossName = try reader?.choice("regression_loss", FineTuneSettings.lossNames, default: "mse") ?? "mse"
        let loss: RegressionLoss = lossName == "huber"
            ? .huber(delta: try reader?.float("huber_delta", default: 1, in: 0...1e6, open: true) ?? 1) : .meanSquaredError
        let minimumSteps = try reader?.int("min_steps", default: 0, in: 0...100_000_000) ?? 0
        let maximumSteps = try reader.flatMap { $0.has("max_steps") ? try $0.int("max_steps", in: 1...100_000_000) : nil }
        if let maximumSteps, maximumSteps < minimumSteps {
            throw ConfigError(.outOfRange, path: "finetune.max_steps", location: reader?.locationOf("max_steps"),
                              "max_steps \(maximumSteps) is below min_steps \(minimumSteps)")
        }
        let layerDecay = try reader?.float("layer_decay", default: 0.75, in: 0...1) ?? 0.75
        guard layerDecay > 0 else {
            throw ConfigError(.outOfRange, path: "finetune.layer_decay", location: reader?.locationOf("layer_decay"),
                              "must be above 0 (1 means no decay)")
        }
        return FineTuneSettings(
            head: head, regressionLoss: loss,
            epochs: try reader?.int("epochs", default: 20, in: 1...100_000) ?? 20,
            minimumSteps: minimumSteps, maximumSteps: maximumSteps,
            batchSize: try reader?.int("batch_size", default: 64, in: 1...65536) ?? 64,
            learningRate: try reader?.float("lr", default: 1e-3, in: 0...10, open: true) ?? 1e-3,
            weightDecay: try reader?.float("weight_decay", default: 0.01, in: 0...1) ?? 0.01,
            warmUpFraction: try reader?.double("warmup_fraction", default: 0.1, in: 0...0.99) ?? 0.1,
            layerDecay: layerDecay,
            partialBlocks: try reader?.int("partial_blocks", default: 1, in: 0...10_000) ?? 1,
            inferenceBatchSize: try reader?.int("inference_batch_size", default: 256, in: 1...65536) ?? 256)
    }

    /// A non-empty list of distinct names from `choices` (a near miss is suggested).
    private static func strings(_ reader: ConfigReader, _ key: String, choices: [String], default fallback: [String]) throws -> [String] {
        guard let node = reader.node(key) else { return fallback }
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            throw ConfigError(.wrongType, path: key, location: node.location, "expected a non-empty list of \(choices.joined(separator: ", "))")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard case .scalar(let text, let location) = item else {
                throw ConfigError(.wrongType, path: "\(key).\(index)", location: item.location, "expected a name")
            }
            guard choices.contains(text) else {
                throw ConfigError(.outOfRange, path: "\(key).\(index)", location: location,
                                  "'\(text)' is not one of \(choices.joined(separator: ", "))", suggestion: ConfigError.nearest(text, in: choices))
            }
            guard !names.contains(text) else {
                throw ConfigError(.inconsistent, path: "\(key).\(index)", location: location, "'\(text)' appears twice")
            }
            names.append(text)
        }
        return names
    }

    /// A non-empty list of finite numbers with each item's path and location.
    private static func numbers(_ reader: ConfigReader, _ key: String,
                                default fallback: [Double]) throws -> [(value: Double, path: String, location: ConfigLocation?)] {
        guard let node = reader.node(key) else { return fallback.map { ($0, key, nil) } }
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            throw ConfigError(.wrongType, path: key, location: node.location, "expected a non-empty list of numbers")
        }
        return try items.enumerated().map { index, item in
            guard case .scalar(let text, let location) = item, let value = Double(text), value.isFinite else {
                throw ConfigError(.wrongType, path: "\(key).\(index)", location: item.location, "expected a number")
            }
            return (value, "\(key).\(index)", location)
        }
    }
}
