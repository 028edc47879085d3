import Foundation
import SafeTensors
import SensorData
import SensorEval
import SensorNN
import SensorPretrain
import SensorTensor

/// A pretraining run folder as the source of an encoder: its resolved config, the chosen
/// checkpoint (with its SHA-256) and the subjects pretraining saw (train and validation, from
/// `meta.json`), so evaluation can refuse to test on them.
public struct PretrainingSource {
    public let folder: URL
    public let configuration: RunConfiguration
    /// The resolved config's text, recorded beside fine-tuned models.
    public let configurationText: String
    public let checkpointURL: URL
    public let checkpointSHA256: String
    public let checkpointStep: Int
    /// Subjects whose windows pretraining trained or validated on.
    public let subjectsSeen: [String]
    /// The pretraining split as recorded (train, validation, test).
    public let split: EvaluationFold
    /// The dataset folder pretraining read (resolved from its config).
    public let dataDirectory: URL
    /// Notes on a run that was not finished or a substituted checkpoint.
    public let warnings: [String]

    /// Opens `url` and picks its checkpoint: "last" (the newest readable step) or "best".
    /// - Throws: `RunError.notARun` when there is no config, no record of the split, or no usable checkpoint.
    public static func open(_ url: URL, checkpoint choice: String = "last") throws -> PretrainingSource {
        let url = url.standardizedFileURL
        let configURL = url.appendingPathComponent("config.yaml")
        guard let configData = FileManager.default.contents(atPath: configURL.path),
              let configurationText = String(data: configData, encoding: .utf8) else {
            throw RunError.notARun(path: url.path, "it has no readable config.yaml (give the folder a `sensorfm pretrain` run wrote)")
        }
        let configuration = try RunConfiguration.load(file: configURL, environment: [:])
        let meta = (FileManager.default.contents(atPath: url.appendingPathComponent("meta.json").path))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        guard let split = meta?["split"] as? [String: [String]], let train = split["train"], let validation = split["validation"] else {
            throw RunError.notARun(path: url.path, "its meta.json does not record the subjects pretraining used (split.train, split.validation)")
        }
        var warnings: [String] = []
        let checkpointsURL = url.appendingPathComponent("checkpoints")
        let steps = ((try? FileManager.default.contentsOfDirectory(atPath: checkpointsURL.path)) ?? [])
            .filter { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }.sorted()
        let candidates = choice == "best" ? ["best.safetensors"] : steps.reversed()
        var chosen: (URL, Checkpoint)?
        for name in candidates {
            let candidate = checkpointsURL.appendingPathComponent(name)
            do {
                chosen = (candidate, try Checkpoint(contentsOf: candidate))
                break
            } catch {
                warnings.append("skipped the unreadable checkpoint \(candidate.path): \(error)")
            }
        }
        guard let (checkpointURL, checkpoint) = chosen else {
            let what = choice == "best" ? "checkpoints/best.safetensors" : "a readable checkpoints/step-*.safetensors"
            throw RunError.notARun(path: url.path, "it has no usable checkpoint (\(what)); train it first or resume it with `sensorfm pretrain --resume`")
        }
        if checkpoint.step < configuration.training.steps {
            warnings.append("the pretraining run stopped at step \(checkpoint.step) of \(configuration.training.steps); evaluating that checkpoint")
        }
        let bytes: Data
        do { bytes = try Data(contentsOf: checkpointURL) } catch {
            throw RunError.io(path: checkpointURL.path, "cannot read: \(error.localizedDescription)")
        }
        let dataDirectory = try RunData.datasetDirectory(configuration) { _ in }
        return PretrainingSource(
            folder: url, configuration: configuration, configurationText: configurationText, checkpointURL: checkpointURL,
            checkpointSHA256: SHA256.hexDigest(bytes), checkpointStep: checkpoint.step,
            subjectsSeen: (train + validation).sorted(),
            split: EvaluationFold(index: 0, train: train, validation: validation, test: split["test"] ?? []),
            dataDirectory: dataDirectory, warnings: warnings)
    }

    /// The encoder architecture over `manifest`'s modalities (the config's patches).
    public func encoderSpec(manifest: DatasetManifest) throws -> EncoderSpec {
        RunObjectives.encoderSpec(configuration, layout: try RunData.patchLayout(configuration, manifest: manifest))
    }

    /// The pretrained encoder: the architecture with the checkpoint's `model.encoder.*` weights.
    public func pretrainedEncoder(manifest: DatasetManifest) throws -> any Encoder {
        var generator = RandomGenerator(seed: 0)
        let encoder = try encoderSpec(manifest: manifest).makeEncoder(generator: &generator)
        try Self.load(encoder, from: try SafeTensorsFile(contentsOf: checkpointURL), prefix: "model.encoder.", source: checkpointURL.path)
        return encoder
    }

    /// The same architecture freshly initialised from `seed` (the from-scratch baseline).
    public func scratchEncoder(manifest: DatasetManifest, seed: UInt64) throws -> any Encoder {
        var generator = RandomGenerator(seed: seed)
        return try encoderSpec(manifest: manifest).makeEncoder(generator: &generator)
    }

    /// Copies the F32 entries named `prefix` + parameter name of `file` into `module`; every name
    /// and shape must match.
    static func load(_ module: Module, from file: SafeTensorsFile, prefix: String, source: String) throws {
        var state: [String: Tensor] = [:]
        for name in file.names where name.hasPrefix(prefix) {
            let entry = file[name]!
            state[String(name.dropFirst(prefix.count))] = Tensor(shape: entry.shape, scalars: try entry.floats())
        }
        do { try module.loadState(state) } catch {
            throw RunError.notARun(path: source, "its weights do not fit this architecture over this dataset: \(error)")
        }
    }
}
