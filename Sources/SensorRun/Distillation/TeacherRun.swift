import Foundation
import SensorEval

/// A fine-tuning run opened as a distillation teacher: its model of one task (classification, or regression such
/// as heart rate), the dataset and split it was trained on, and the modalities its encoder reads.
struct TeacherRun {
    let folder: URL
    let dataset: EvaluationDataset
    let fold: EvaluationFold
    let model: FineTunedModel
    let targets: TaskTargets
    var modalities: [String] { model.encoder.layout.modalities.map(\.name) }

    static func open(_ directory: URL, task: String, location: ConfigLocation) throws -> TeacherRun {
        let folder = directory.standardizedFileURL
        let meta = folder.appendingPathComponent("meta.json")
        guard let data = FileManager.default.contents(atPath: meta.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["kind"] as? String == "finetune", let pretraining = object["pretraining_run"] as? String else {
            throw RunError.notARun(path: folder.path, "it is not a fine-tuning run (meta.json of kind finetune); give a folder `sensorfm finetune` wrote")
        }
        let inputs = try EvaluationRun.prepare(configFile: folder.appendingPathComponent("config.yaml"), overrides: [],
                                               from: URL(fileURLWithPath: pretraining)) { _ in }
        let fold = try Evaluator(configuration: inputs.configuration, source: inputs.source, dataset: inputs.dataset).folds()[0]
        let models = try PredictionRun.fineTunedModels(folder, dataset: inputs.dataset)
        guard let model = models.first(where: { $0.task.name == task }) else {
            throw ConfigError(.inconsistent, path: "task", location: location,
                              "the teacher run \(folder.path) has no \(task) model (it has \(models.map(\.task.name).joined(separator: ", ")))")
        }
        let targets = try inputs.dataset.targets(model.task, configurationPath: "tasks", configuration: inputs.configuration)
        return TeacherRun(folder: folder, dataset: inputs.dataset, fold: fold, model: model, targets: targets)
    }
}
