import Foundation
import SafeTensors
import SensorData
import SensorEval
import SensorPretrain
import SensorTensor

/// `models/TASK.safetensors` of a fine-tuning run: the encoder (`encoder.*`) and head (`head.*`)
/// weights, with the task, the fine-tuning configuration and the regression target scaling as
/// JSON metadata. The architecture comes from the run's `pretraining-config.yaml`.
public enum FineTunedModelFile {
    static let taskKey = "task", configurationKey = "fine_tune", meanKey = "target_mean", scaleKey = "target_scale"
    static let lossesKey = "epoch_losses", standardizationKey = "embedding_standardization"

    /// Writes `model` atomically.
    static func write(_ model: FineTunedModel, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var file = SafeTensorsFile(metadata: [
            taskKey: String(decoding: try encoder.encode(model.task), as: UTF8.self),
            configurationKey: String(decoding: try encoder.encode(model.configuration), as: UTF8.self),
            meanKey: "\(model.targetMean)", scaleKey: "\(model.targetScale)",
            lossesKey: String(decoding: try encoder.encode(model.epochLosses), as: UTF8.self),
        ])
        if let standardization = model.embeddingStandardization {
            file.metadata[standardizationKey] = String(decoding: try encoder.encode(standardization), as: UTF8.self)
        }
        for (name, tensor) in model.encoder.namedParameters() + model.encoder.namedBuffers() {
            file["encoder.\(name)"] = SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape)
        }
        for (name, tensor) in model.head.namedParameters() {
            file["head.\(name)"] = SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape)
        }
        do { try file.write(to: url) } catch { throw RunError.io(path: url.path, "cannot write the model: \(error)") }
    }

    /// Reads a model for the encoder architecture `spec`.
    /// - Throws: `RunError.notARun` naming the file when it is unreadable or does not fit `spec`.
    static func read(_ url: URL, spec: EncoderSpec) throws -> FineTunedModel {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw RunError.notARun(path: url.path, "not a readable fine-tuned model: \(error)")
        }
        let decoder = JSONDecoder()
        guard let taskText = file.metadata[taskKey], let task = try? decoder.decode(TaskSpec.self, from: Data(taskText.utf8)),
              let settingsText = file.metadata[configurationKey],
              let settings = try? decoder.decode(FineTuneConfiguration.self, from: Data(settingsText.utf8)),
              let mean = file.metadata[meanKey].flatMap(Float.init), let scale = file.metadata[scaleKey].flatMap(Float.init) else {
            throw RunError.notARun(path: url.path, "its metadata lacks the task, fine-tuning configuration or target scaling")
        }
        var generator = RandomGenerator(seed: 0)
        let encoder = spec.makeEncoder(generator: &generator)
        try PretrainingSource.load(encoder, from: file, prefix: "encoder.", source: url.path)
        let head = PredictionHead(kind: settings.head, inputDimensions: encoder.dimensions,
                                  outputDimensions: task.kind == .classification ? task.classCount : 1, generator: &generator)
        try PretrainingSource.load(head, from: file, prefix: "head.", source: url.path)
        encoder.eval()
        return FineTunedModel(task: task, configuration: settings, encoder: encoder, head: head, targetMean: mean,
                              targetScale: scale,
                              epochLosses: file.metadata[lossesKey].flatMap { try? decoder.decode([Float].self, from: Data($0.utf8)) } ?? [],
                              embeddingStandardization: file.metadata[standardizationKey].flatMap {
                                  try? decoder.decode(EmbeddingStandardization.self, from: Data($0.utf8))
                              })
    }
}
