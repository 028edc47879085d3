import Foundation
import SensorEval

extension EvaluationConfiguration {
    /// The configuration with every default filled in and paths absolute, as YAML that reads back
    /// to an equal configuration.
    public func resolvedYAML() throws -> String {
        "# Resolved evaluation configuration of run '\(name)'.\n" + (try resolvedNode().yamlText())
    }

    func resolvedNode() -> ConfigNode {
        let here = ConfigLocation(file: "<resolved>", line: nil)
        func scalar(_ value: Any) -> ConfigNode { .scalar("\(value)", here) }
        func list(_ values: [Any]) -> ConfigNode { .sequence(values.map(scalar), here) }
        func mapping(_ pairs: [(String, ConfigNode)]) -> ConfigNode {
            .mapping(pairs.map { ConfigEntry(key: $0.0, value: $0.1, location: here) }, here)
        }
        let protocolNode: ConfigNode = switch evaluationProtocol {
        case nil: mapping([("kind", scalar("pretraining_split"))])
        case .holdout(let validation, let test, let seed)?:
            mapping([("kind", scalar("holdout")), ("validation_fraction", scalar(validation)), ("test_fraction", scalar(test)),
                     ("seed", scalar(seed))])
        case .leaveSubjectsOut(let folds, let validation, let seed)?:
            mapping([("kind", scalar("leave_subjects_out")), ("folds", scalar(folds)), ("validation_subjects", scalar(validation)),
                     ("seed", scalar(seed))])
        }
        var tunePairs: [(String, ConfigNode)]
        switch fineTune.head {
        case .linear: tunePairs = [("head", scalar("linear"))]
        case .mlp(let hidden): tunePairs = [("head", scalar("mlp")), ("hidden", scalar(hidden))]
        }
        switch fineTune.regressionLoss {
        case .meanSquaredError: tunePairs.append(("regression_loss", scalar("mse")))
        case .huber(let delta): tunePairs += [("regression_loss", scalar("huber")), ("huber_delta", scalar(delta))]
        }
        tunePairs += [("epochs", scalar(fineTune.epochs)), ("min_steps", scalar(fineTune.minimumSteps))]
        if let maximum = fineTune.maximumSteps { tunePairs.append(("max_steps", scalar(maximum))) }
        tunePairs += [
            ("batch_size", scalar(fineTune.batchSize)), ("lr", scalar(fineTune.learningRate)),
            ("weight_decay", scalar(fineTune.weightDecay)), ("warmup_fraction", scalar(fineTune.warmUpFraction)),
            ("layer_decay", scalar(fineTune.layerDecay)), ("partial_blocks", scalar(fineTune.partialBlocks)),
            ("inference_batch_size", scalar(fineTune.inferenceBatchSize)),
        ]
        var scratchPairs: [(String, ConfigNode)] = []
        if let scratchLearningRate { scratchPairs.append(("lr", scalar(scratchLearningRate))) }
        if let scratchEpochs { scratchPairs.append(("epochs", scalar(scratchEpochs))) }
        var pairs: [(String, ConfigNode)] = [
            ("name", scalar(name)), ("seed", scalar(seed)), ("threads", scalar(threads)),
            ("tasks", list(tasks)),
        ]
        if let dataPath { pairs.append(("data", mapping([("path", scalar(dataPath.path))]))) }
        pairs += [
            ("protocol", protocolNode), ("fractions", list(fractions)), ("seeds", list(seeds)), ("modes", list(modes)),
            ("baselines", mapping([("scratch", scalar(scratch)), ("features", scalar(featureBaseline)),
                                   ("peak_detection", scalar(peakDetectionBaseline))])),
            ("checkpoint", scalar(checkpoint)), ("finetune", mapping(tunePairs)),
        ]
        if !scratchPairs.isEmpty { pairs.append(("scratch", mapping(scratchPairs))) }
        pairs.append(("bootstrap", mapping([("resamples", scalar(bootstrap.resamples)), ("level", scalar(bootstrap.level)),
                                            ("seed", scalar(bootstrap.seed))])))
        return mapping(pairs)
    }
}
