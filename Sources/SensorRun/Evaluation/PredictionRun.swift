import Foundation
import SensorData
import SensorEval
import SensorPretrain
import SensorTensor

/// `sensorfm predict` and `sensorfm embed`: a trained run applied to a dataset. Outputs are written
/// atomically and never replace an existing file.
public enum PredictionRun {
    /// Writes one CSV row per window of `data`: `recording` (the subject's recording), `start_seconds`,
    /// then per task of the fine-tuning run in `runDirectory` the prediction (class name or value in the
    /// task's unit) and, for classes, `TASK.probability.CLASS` columns. Returns the row count.
    @discardableResult
    public static func predict(runDirectory: URL, data: URL, out: URL, threads: Int) throws -> Int {
        try refuseExisting(out)
        Threading.setThreadCount(threads)
        let dataset = try EvaluationDataset.load(data)
        let models = try fineTunedModels(runDirectory, dataset: dataset)
        let windows = dataset.windows, all = Array(0..<windows.windowCount)
        var header = ["recording", "start_seconds"]
        var columns: [[String]] = []
        for model in models {
            let task = model.task
            let predictions = model.predict(windows: windows, indices: all)
            header.append(task.unit.map { "\(task.name)_\($0)" } ?? task.name)
            switch task.kind {
            case .classification:
                header += task.classNames.map { "\(task.name).probability.\($0)" }
                columns.append(all.map { row in
                    ([task.classNames[predictions.classes[row]]]
                        + (0..<task.classCount).map { "\(predictions.probabilities[row * task.classCount + $0])" }).joined(separator: ",")
                })
            case .regression:
                columns.append(predictions.values.map { "\($0)" })
            }
        }
        var text = header.map(csvField).joined(separator: ",") + "\n"
        for row in all {
            text += ([csvField(windows.subject(ofWindow: row)), "\(windows.startSeconds[row])"] + columns.map { $0[row] }).joined(separator: ",") + "\n"
        }
        try RunFolder.writeAtomically(Data(text.utf8), to: out)
        return all.count
    }

    /// Writes `embeddings.safetensors` (see `EmbeddingExport`) for every window of `data`, from the
    /// encoder of a fine-tuning run (its first task's model) or of a pretraining run (its newest checkpoint).
    @discardableResult
    public static func embed(runDirectory: URL, data: URL, out: URL, threads: Int) throws -> Int {
        try refuseExisting(out)
        Threading.setThreadCount(threads)
        let dataset = try EvaluationDataset.load(data)
        let encoder: any Encoder, description: String
        if FileManager.default.fileExists(atPath: FineTuneRun.modelsURL(runDirectory).path) {
            let model = try fineTunedModels(runDirectory, dataset: dataset)[0]
            encoder = model.encoder
            description = "fine-tuned for \(model.task.name) in \(runDirectory.standardizedFileURL.lastPathComponent)"
        } else {
            let source = try PretrainingSource.open(runDirectory)
            encoder = try source.pretrainedEncoder(manifest: dataset.manifest)
            description = "pretrained \(source.checkpointURL.lastPathComponent) of \(source.folder.lastPathComponent)"
        }
        let all = Array(0..<dataset.windows.windowCount)
        try EmbeddingExport.write(encoder: encoder, dataset: dataset, indices: all, encoderDescription: description, batchSize: 256, to: out)
        return all.count
    }

    /// The fine-tuned models of a run folder, in its config's task order.
    static func fineTunedModels(_ runDirectory: URL, dataset: EvaluationDataset) throws -> [FineTunedModel] {
        let folder = runDirectory.standardizedFileURL
        let pretrainingConfig = FineTuneRun.pretrainingConfigURL(folder)
        guard FileManager.default.fileExists(atPath: pretrainingConfig.path) else {
            throw RunError.notARun(path: folder.path, "it is not a fine-tuning run (no pretraining-config.yaml); give a folder `sensorfm finetune` wrote")
        }
        let configuration = try RunConfiguration.load(file: pretrainingConfig, environment: [:])
        let spec = RunObjectives.encoderSpec(configuration, layout: try RunData.patchLayout(configuration, manifest: dataset.manifest, directory: dataset.directory))
        let tasks = (try? EvaluationConfiguration.load(file: folder.appendingPathComponent("config.yaml")).tasks) ?? []
        let models = tasks.map { FineTuneRun.modelsURL(folder).appendingPathComponent("\($0).safetensors") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        guard !models.isEmpty else {
            throw RunError.notARun(path: folder.path, "it has no trained model in models/ (finish it with `sensorfm finetune --resume \(folder.path)`)")
        }
        return try models.map { try FineTunedModelFile.read($0, spec: spec) }
    }

    static func refuseExisting(_ url: URL) throws {
        if FileManager.default.fileExists(atPath: url.path) {
            throw RunError.io(path: url.path, "already exists; choose another --out (nothing is overwritten)")
        }
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
