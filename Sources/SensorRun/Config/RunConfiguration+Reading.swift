import Foundation

extension RunConfiguration {
    static let topKeys = ["name", "seed", "threads", "model", "objectives", "data", "windowing", "split", "optimizer",
                          "schedule", "training"]
    static let modelKeys = ["encoder", "dimensions", "depth", "heads", "feed_forward", "width", "blocks", "kernel_size", "patches"]
    static let objectiveKeys = [
        "masked_reconstruction": ["kind", "weight", "masking", "mask_ratio", "target_modality"],
        "contrastive": ["kind", "weight", "temperature", "projection_dimensions", "augmentations"],
        "cross_modal": ["kind", "weight", "temperature", "projection_dimensions"],
        "subject_aware": ["kind", "weight", "temperature", "projection_dimensions", "koleo_weight", "momentum", "augmentations"],
    ]
    static let dataKeys = ["path", "synthetic", "cache"]
    static let syntheticKeys = ["subjects", "hours", "seed"]
    static let windowingKeys = ["window_seconds", "stride_seconds"]
    static let splitKeys = ["validation_fraction", "test_fraction", "seed"]
    static let optimizerKeys = ["name", "lr", "betas", "weight_decay", "momentum", "clip_norm"]
    static let scheduleKeys = ["kind", "warmup_steps", "min_lr"]
    static let trainingKeys = ["batch_size", "steps", "checkpoint_interval", "keep_last", "log_interval",
                               "validation_interval", "validation_batches"]
    /// Augmentation presets a contrastive objective may name.
    public static let augmentationPresets = ["default", "light", "rate_preserving"]
    /// Environment variable that moves the synthetic-cohort cache.
    public static let cacheEnvironmentVariable = "SENSORFM_CACHE"

    /// Reads a configuration file (a pipeline file's `pretrain` section, see `PipelineFile`), applies `--set`
    /// overrides in order, and resolves relative paths against the file's folder. `environment` supplies `SENSORFM_CACHE`.
    public static func load(file: URL, overrides: [String] = [],
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RunConfiguration {
        try PipelineFile.readStage("pretrain", of: file, overrides: overrides) { node, defaultName in
            try read(node, baseDirectory: file.deletingLastPathComponent(), defaultName: defaultName, environment: environment)
        }
    }

    /// Reads a parsed tree; relative paths resolve against `baseDirectory`.
    public static func read(_ node: ConfigNode, baseDirectory: URL, defaultName: String = "run",
                            environment: [String: String] = [:]) throws -> RunConfiguration {
        let top = try ConfigReader(node, path: "", allowed: topKeys)
        var locations: [String: ConfigLocation] = ["": top.location]
        top.recordLocations(of: topKeys, into: &locations)
        let name = try top.runName(default: defaultName)
        let seed = try top.seed("seed", default: 0)
        let threads = try top.int("threads", default: 2, in: 1...256)

        guard let modelReader = try top.child("model", allowed: modelKeys) else {
            throw ConfigError(.missingKey, path: "model", location: top.location, "required section is missing")
        }
        modelReader.recordLocations(of: modelKeys, into: &locations)
        let model = try readModel(modelReader, locations: &locations)

        guard let objectiveNode = top.node("objectives") else {
            throw ConfigError(.missingKey, path: "objectives", location: top.location, "required list is missing (e.g. - kind: masked_reconstruction)")
        }
        guard case .sequence(let objectiveItems, _) = objectiveNode, !objectiveItems.isEmpty else {
            throw ConfigError(.wrongType, path: "objectives", location: objectiveNode.location, "expected a non-empty list of objectives")
        }
        var objectives: [ObjectiveSettings] = []
        for (index, item) in objectiveItems.enumerated() {
            objectives.append(try readObjective(item, path: "objectives.\(index)", locations: &locations))
        }
        guard Set(objectives.map(\.kind)).count == objectives.count else {
            throw ConfigError(.inconsistent, path: "objectives", location: objectiveNode.location, "each objective kind may appear once")
        }

        guard let dataReader = try top.child("data", allowed: dataKeys) else {
            throw ConfigError(.missingKey, path: "data", location: top.location, "required section is missing (path or synthetic)")
        }
        dataReader.recordLocations(of: dataKeys, into: &locations)
        let data = try readData(dataReader, baseDirectory: baseDirectory, environment: environment, locations: &locations)

        let windowingReader = try top.child("windowing", allowed: windowingKeys)
        if let windowingReader { windowingReader.recordLocations(of: windowingKeys, into: &locations) }
        let windowSeconds = try windowingReader?.double("window_seconds", default: 30, in: 1...3600) ?? 30
        let windowing = WindowingSettings(
            windowSeconds: windowSeconds,
            strideSeconds: try windowingReader?.double("stride_seconds", default: windowSeconds / 3, in: 0.1...3600) ?? windowSeconds / 3)

        let splitReader = try top.child("split", allowed: splitKeys)
        if let splitReader { splitReader.recordLocations(of: splitKeys, into: &locations) }
        let split = SplitSettings(
            validationFraction: try splitReader?.double("validation_fraction", default: 0.2, in: 0...0.9) ?? 0.2,
            testFraction: try splitReader?.double("test_fraction", default: 0, in: 0...0.9) ?? 0,
            seed: try splitReader?.seed("seed", default: 0) ?? 0)
        guard split.validationFraction + split.testFraction < 1 else {
            throw ConfigError(.outOfRange, path: "split.test_fraction", location: locations["split.test_fraction"],
                              "validation_fraction + test_fraction must be below 1")
        }

        let optimizerReader = try top.child("optimizer", allowed: optimizerKeys)
        if let optimizerReader { optimizerReader.recordLocations(of: optimizerKeys, into: &locations) }
        let optimizerName = try optimizerReader?.choice("name", OptimizerSettings.names, default: "adamw") ?? "adamw"
        let optimizer = OptimizerSettings(
            name: optimizerName,
            learningRate: try optimizerReader?.float("lr", default: 1e-3, in: 0...10, open: true) ?? 1e-3,
            betas: (try optimizerReader?.doubles("betas", count: 2, default: [0.9, 0.999], in: 0...0.999_999) ?? [0.9, 0.999]).map(Float.init),
            weightDecay: try optimizerReader?.float("weight_decay", default: optimizerName == "adamw" ? 0.05 : 0, in: 0...1)
                ?? 0.05,
            momentum: try optimizerReader?.float("momentum", default: 0, in: 0...0.999_999) ?? 0,
            clipNorm: try optimizerReader.flatMap { $0.has("clip_norm") ? try $0.float("clip_norm", in: 0...1e6, open: true) : nil })

        let trainingReader = try top.child("training", allowed: trainingKeys)
        if let trainingReader { trainingReader.recordLocations(of: trainingKeys, into: &locations) }
        let steps = try trainingReader?.int("steps", default: 1000, in: 1...100_000_000) ?? 1000
        let training = TrainingSettings(
            batchSize: try trainingReader?.int("batch_size", default: 64, in: 1...65536) ?? 64,
            steps: steps,
            checkpointInterval: try trainingReader?.int("checkpoint_interval", default: 100, in: 1...100_000_000) ?? 100,
            keepLast: try trainingReader?.int("keep_last", default: 3, in: 1...1000) ?? 3,
            logInterval: try trainingReader?.int("log_interval", default: 10, in: 1...100_000_000) ?? 10,
            validationInterval: try trainingReader?.int("validation_interval", default: 0, in: 0...100_000_000) ?? 0,
            validationBatches: try trainingReader?.int("validation_batches", default: 8, in: 1...100_000) ?? 8)

        let scheduleReader = try top.child("schedule", allowed: scheduleKeys)
        if let scheduleReader { scheduleReader.recordLocations(of: scheduleKeys, into: &locations) }
        let schedule = ScheduleSettings(
            kind: try scheduleReader?.choice("kind", ScheduleSettings.kinds, default: "cosine") ?? "cosine",
            warmupSteps: try scheduleReader?.int("warmup_steps", default: 0, in: 0...100_000_000) ?? 0,
            minimumLearningRate: try scheduleReader?.float("min_lr", default: 0, in: 0...10) ?? 0)
        if schedule.kind == "cosine", schedule.warmupSteps >= steps {
            throw ConfigError(.outOfRange, path: "schedule.warmup_steps", location: locations["schedule.warmup_steps"],
                              "warm-up (\(schedule.warmupSteps) steps) must be shorter than training.steps (\(steps))")
        }
        if schedule.minimumLearningRate > optimizer.learningRate {
            throw ConfigError(.outOfRange, path: "schedule.min_lr", location: locations["schedule.min_lr"],
                              "min_lr \(schedule.minimumLearningRate) exceeds optimizer.lr \(optimizer.learningRate)")
        }
        return RunConfiguration(name: name, seed: seed, threads: threads, model: model, objectives: objectives, data: data,
                                windowing: windowing, split: split, optimizer: optimizer, schedule: schedule,
                                training: training, locations: locations)
    }

    private static func readModel(_ reader: ConfigReader, locations: inout [String: ConfigLocation]) throws -> ModelSettings {
        let encoder = try reader.choice("encoder", ModelSettings.encoderKinds, default: "patch_transformer")
        let dimensions = try reader.int("dimensions", default: 128, in: 1...8192)
        let heads = try reader.int("heads", default: 4, in: 1...256)
        guard dimensions % heads == 0 else {
            throw ConfigError(.inconsistent, path: "model.heads", location: reader.locationOf("heads"),
                              "\(heads) heads do not divide model.dimensions \(dimensions)")
        }
        var patches: [(String, Double)] = [("ppg", 1), ("acc", 1), ("temp", 5)]
        if let patchNode = reader.node("patches") {
            guard case .mapping(let entries, _) = patchNode, !entries.isEmpty else {
                throw ConfigError(.wrongType, path: "model.patches", location: patchNode.location,
                                  "expected a mapping of modality name to patch seconds, e.g. {ppg: 1, acc: 1, temp: 5}")
            }
            let patchReader = try ConfigReader(patchNode, path: "model.patches", allowed: entries.map(\.key))
            patches = try entries.map { entry in
                locations["model.patches.\(entry.key)"] = entry.location
                return (entry.key, try patchReader.double(entry.key, in: 0...3600, open: true))
            }
        }
        return ModelSettings(encoder: encoder, dimensions: dimensions, depth: try reader.int("depth", default: 4, in: 1...64),
                             heads: heads, feedForward: try reader.int("feed_forward", default: 4 * dimensions, in: 1...65536),
                             width: try reader.int("width", default: 32, in: 1...4096),
                             blocks: try reader.int("blocks", default: 2, in: 1...64),
                             kernelSize: try reader.int("kernel_size", default: 5, in: 1...63),
                             patchSeconds: patches.map { (modality: $0.0, seconds: $0.1) })
    }

    private static func readObjective(_ node: ConfigNode, path: String, locations: inout [String: ConfigLocation]) throws -> ObjectiveSettings {
        let probe = try ConfigReader(node, path: path, allowed: Array(Set(objectiveKeys.values.joined())).sorted())
        let kind = try probe.choice("kind", ObjectiveSettings.kinds)
        let reader = try ConfigReader(node, path: path, allowed: objectiveKeys[kind]!)
        reader.recordLocations(of: reader.keys, into: &locations)
        let weight = try reader.float("weight", default: 1, in: 0...1000, open: true)
        func temperature() throws -> Float { try reader.float("temperature", default: 0.1, in: 0...100, open: true) }
        func projection() throws -> Int { try reader.int("projection_dimensions", default: 64, in: 1...8192) }
        func augmentations() throws -> String { try reader.choice("augmentations", augmentationPresets, default: "default") }
        switch kind {
        case "contrastive":
            return ObjectiveSettings(weight: weight, parameters: .contrastive(
                temperature: try temperature(), projectionDimensions: try projection(), augmentations: try augmentations()))
        case "cross_modal":
            return ObjectiveSettings(weight: weight, parameters: .crossModal(temperature: try temperature(),
                                                                             projectionDimensions: try projection()))
        case "subject_aware":
            return ObjectiveSettings(weight: weight, parameters: .subjectAware(
                temperature: try temperature(), projectionDimensions: try projection(),
                koLeoWeight: try reader.float("koleo_weight", default: 0.1, in: 0...100),
                momentum: try reader.float("momentum", default: 0.99, in: 0...0.999_999), augmentations: try augmentations()))
        default:
            let masking = try reader.choice("masking", ObjectiveSettings.maskingModes, default: "random")
            return ObjectiveSettings(weight: weight, parameters: .maskedReconstruction(
                masking: masking, maskRatio: try reader.float("mask_ratio", default: 0.5, in: 0...1, open: true),
                targetModality: reader.has("target_modality") ? try reader.string("target_modality") : nil))
        }
    }

    private static func readData(_ reader: ConfigReader, baseDirectory: URL, environment: [String: String],
                                 locations: inout [String: ConfigLocation]) throws -> DataSettings {
        // Folder URLs always end in '/', whether or not the folder exists yet (Foundation checks the
        // disk otherwise), so a config reads back equal before and after its cohort is generated.
        func folder(_ text: String) -> URL {
            URL(fileURLWithPath: URL(fileURLWithPath: text, relativeTo: baseDirectory).standardizedFileURL.path, isDirectory: true)
        }
        let cache: URL
        if let override = environment[cacheEnvironmentVariable], !override.isEmpty {
            cache = folder(override)
        } else {
            cache = folder(try reader.string("cache", default: "generated/cohorts"))
        }
        switch (reader.has("path"), reader.has("synthetic")) {
        case (true, true):
            throw ConfigError(.inconsistent, path: "data.synthetic", location: reader.locationOf("synthetic"),
                              "give either data.path (a dataset folder) or data.synthetic, not both")
        case (false, false):
            throw ConfigError(.missingKey, path: "data.path", location: reader.location,
                              "give data.path (a dataset folder) or data.synthetic {subjects, hours, seed}")
        case (true, false):
            return DataSettings(source: .folder(folder(try reader.string("path"))), cache: cache)
        case (false, true):
            let synthetic = try reader.child("synthetic", allowed: syntheticKeys)!
            synthetic.recordLocations(of: syntheticKeys, into: &locations)
            return DataSettings(source: .synthetic(subjects: try synthetic.int("subjects", in: 1...10_000),
                                                   hours: try synthetic.double("hours", in: 0...10_000, open: true),
                                                   seed: try synthetic.seed("seed", default: 0)),
                                cache: cache)
        }
    }
}
