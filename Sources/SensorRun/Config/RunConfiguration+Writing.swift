import Foundation

extension RunConfiguration {
    /// The configuration with every default filled in and paths absolute, as YAML that reads back
    /// to an equal configuration (numbers in Swift's shortest round-trip form).
    public func resolvedYAML() throws -> String {
        let header = "# Resolved configuration of run '\(name)' (written once; resume reads it back).\n"
        return header + (try resolvedNode().yamlText())
    }

    func resolvedNode() -> ConfigNode {
        let here = ConfigLocation(file: "<resolved>", line: nil)
        func scalar(_ value: Any) -> ConfigNode { .scalar("\(value)", here) }
        func mapping(_ pairs: [(String, ConfigNode)]) -> ConfigNode {
            .mapping(pairs.map { ConfigEntry(key: $0.0, value: $0.1, location: here) }, here)
        }
        let objectiveNodes: [ConfigNode] = objectives.map { objective in
            var pairs: [(String, ConfigNode)] = [("kind", scalar(objective.kind)), ("weight", scalar(objective.weight))]
            switch objective.parameters {
            case .maskedReconstruction(let masking, let ratio, let target):
                pairs += [("masking", scalar(masking)), ("mask_ratio", scalar(ratio))]
                if let target { pairs.append(("target_modality", scalar(target))) }
            case .contrastive(let temperature, let projection, let augmentations):
                pairs += [("temperature", scalar(temperature)), ("projection_dimensions", scalar(projection)),
                          ("augmentations", scalar(augmentations))]
            case .crossModal(let temperature, let projection):
                pairs += [("temperature", scalar(temperature)), ("projection_dimensions", scalar(projection))]
            case .subjectAware(let temperature, let projection, let koLeo, let momentum, let augmentations):
                pairs += [("temperature", scalar(temperature)), ("projection_dimensions", scalar(projection)),
                          ("koleo_weight", scalar(koLeo)), ("momentum", scalar(momentum)), ("augmentations", scalar(augmentations))]
            }
            return mapping(pairs)
        }
        var dataPairs: [(String, ConfigNode)]
        switch data.source {
        case .folder(let url): dataPairs = [("path", scalar(url.path))]
        case .synthetic(let subjects, let hours, let seed):
            dataPairs = [("synthetic", mapping([("subjects", scalar(subjects)), ("hours", scalar(hours)), ("seed", scalar(seed))]))]
        }
        dataPairs.append(("cache", scalar(data.cache.path)))
        var optimizerPairs: [(String, ConfigNode)] = [
            ("name", scalar(optimizer.name)), ("lr", scalar(optimizer.learningRate)),
            ("betas", .sequence(optimizer.betas.map { scalar($0) }, here)), ("weight_decay", scalar(optimizer.weightDecay)),
            ("momentum", scalar(optimizer.momentum)),
        ]
        if let clip = optimizer.clipNorm { optimizerPairs.append(("clip_norm", scalar(clip))) }
        return mapping([
            ("name", scalar(name)), ("seed", scalar(seed)), ("threads", scalar(threads)),
            ("model", mapping([
                ("encoder", scalar(model.encoder)), ("dimensions", scalar(model.dimensions)), ("depth", scalar(model.depth)),
                ("heads", scalar(model.heads)), ("feed_forward", scalar(model.feedForward)), ("width", scalar(model.width)),
                ("blocks", scalar(model.blocks)), ("kernel_size", scalar(model.kernelSize)),
                ("patches", mapping(model.patchSeconds.map { ($0.modality, scalar($0.seconds)) })),
            ])),
            ("objectives", .sequence(objectiveNodes, here)),
            ("data", mapping(dataPairs)),
            ("windowing", mapping([("window_seconds", scalar(windowing.windowSeconds)),
                                   ("stride_seconds", scalar(windowing.strideSeconds))])),
            ("split", mapping([("validation_fraction", scalar(split.validationFraction)),
                               ("test_fraction", scalar(split.testFraction)), ("seed", scalar(split.seed))])),
            ("optimizer", mapping(optimizerPairs)),
            ("schedule", mapping([("kind", scalar(schedule.kind)), ("warmup_steps", scalar(schedule.warmupSteps)),
                                  ("min_lr", scalar(schedule.minimumLearningRate))])),
            ("training", mapping([
                ("batch_size", scalar(training.batchSize)), ("steps", scalar(training.steps)),
                ("checkpoint_interval", scalar(training.checkpointInterval)), ("keep_last", scalar(training.keepLast)),
                ("log_interval", scalar(training.logInterval)), ("validation_interval", scalar(training.validationInterval)),
                ("validation_batches", scalar(training.validationBatches)),
            ])),
        ])
    }
}
