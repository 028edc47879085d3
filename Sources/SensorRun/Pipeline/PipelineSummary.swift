import Foundation
import SensorData
import SensorEval

/// The five lines `sensorfm run` prints before `report: PATH`, read back from the stage folders (so a run that
/// reused every stage prints the same lines):
///
///     data: what was trained on and which subjects pretraining never saw
///     pretraining: each objective's last validation loss against its trivial baseline
///     label efficiency: pretrained (the evaluate section's first mode) minus scratch at the lowest label fraction
///     student: int8 weight bytes and TFLite Micro arena against the device's limits, accuracy against the teacher
///     runtime: the TFLite Micro check and where the exported artefacts are
enum PipelineSummary {
    static func lines(_ configuration: PipelineConfiguration, folders: PipelineFolders) throws -> [String] {
        [try data(configuration, folders: folders), pretraining(folders.pretrain), labelEfficiency(configuration, folders.evaluate),
         student(folders), runtime(folders)]
    }

    static func data(_ configuration: PipelineConfiguration, folders: PipelineFolders) throws -> String {
        let manifest = try DatasetReader.manifest(at: folders.data)
        let source: String = switch configuration.pretrain.data.source {
        case .synthetic(let subjects, let hours, let seed): "synthetic cohort (\(subjects) subjects × \(number(hours)) h, seed \(seed))"
        case .folder(let url): url.path
        }
        var line = "data: \(source), \(manifest.windows) windows of \(number(manifest.windowSeconds)) s"
        if let split = meta(folders.pretrain)["split"] as? [String: [String]] {
            line += "; pretraining saw \(split["train"]?.count ?? 0) train + \(split["validation"]?.count ?? 0) validation subjects, \(split["test"]?.count ?? 0) test subjects held out"
        }
        return line
    }

    /// The last validation entry of `metrics.jsonl`: per objective, loss vs its baseline (and top-1 vs chance).
    static func pretraining(_ folder: URL) -> String {
        let text = (try? String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        let entry = text.split(separator: "\n").reversed().lazy
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { $0["validation_loss"] != nil }
        guard let entry, let step = entry["step"] as? Int else { return "pretraining: no validation was logged (set pretrain.training.validation_interval)" }
        let prefix = "validation_loss."
        let objectives = entry.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains(".") }.map { String($0.dropFirst(prefix.count)) }.sorted()
        let parts = objectives.map { name -> String in
            var part = "\(name) \(number(entry[prefix + name]))"
            if let baseline = entry["validation_baseline.\(name)"] { part += " vs baseline \(number(baseline))" }
            if let accuracy = entry["validation_accuracy.\(name)"], let chance = entry["validation_chance_accuracy.\(name)"] {
                part += " (top-1 \(fixed(accuracy)) vs chance \(fixed(chance)))"
            }
            return part
        }
        return "pretraining: validation at step \(step): " + parts.joined(separator: "; ")
    }

    /// Pretrained (the first mode) minus scratch at the lowest label fraction, per task, with the paired CI.
    static func labelEfficiency(_ configuration: PipelineConfiguration, _ folder: URL?) -> String {
        guard let folder, let evaluate = configuration.evaluate,
              let data = FileManager.default.contents(atPath: folder.appendingPathComponent("results.json").path),
              let results = try? EvaluationResults.decode(data), let lowest = results.fractions.min() else {
            return "label efficiency: no evaluate stage"
        }
        let mode = evaluate.modes[0]
        let parts = results.tasks.map { task -> String in
            let metric = task.task.kind == .classification ? "accuracy" : "mae"
            let means = SeedMean.of(task)
            func value(_ model: String) -> String {
                means.first {
                    $0.model == model && $0.fraction == lowest && $0.fold == 0 && $0.metric == metric
                        && (model == "scratch" || $0.mode == mode)
                }.map { number($0.estimate.value) } ?? "?"
            }
            var part = "\(task.task.name) \(metric == "mae" ? "MAE" : metric) \(value("pretrained")) vs scratch \(value("scratch"))"
            if let comparison = task.comparisons.first(where: {
                $0.second == "scratch" && $0.mode == mode && $0.fraction == lowest && $0.metric == metric && $0.fold == 0
                    && $0.seeds.count == max(1, results.seeds.count)
            }) {
                let difference = comparison.difference
                part += ", difference \(signed(difference.estimate)) [\(signed(difference.lower)), \(signed(difference.upper))]"
            }
            return part
        }
        let seeds = results.seeds.count == 1 ? "1 seed" : "\(results.seeds.count) seeds"
        return "label efficiency: \(NumberFormatting.percent(lowest)) labels, pretrained \(mode) vs scratch (\(seeds), paired difference with its \(NumberFormatting.percent(0.95)) subject-bootstrap CI): "
            + parts.joined(separator: "; ")
    }

    static func student(_ folders: PipelineFolders) -> String {
        guard let distill = folders.distill, let facts = try? DistillFacts(distill), let device = try? ExportStage.deviceProfile(distill) else {
            return "student: no distill stage"
        }
        let measured = StudentSection.verification(folders.export)?.arenaBytes
        let arena = measured.map { "TFLite Micro arena \($0) B" } ?? "estimated arena \(facts.budget.estimatedRuntimeArenaBytes) B"
        let score: String
        if facts.metric == "accuracy" {
            let ratio = facts.teacher > 0 ? facts.int8 / facts.teacher : 0
            score = "test accuracy \(number(facts.int8)) vs teacher \(number(facts.teacher)) (\(String(format: "%.1f", ratio * 100)) %)"
        } else {
            score = "test MAE \(number(facts.int8))\(facts.unit.map { " \($0)" } ?? "") vs teacher \(number(facts.teacher))"
        }
        return "student: int8 \(facts.task), \(facts.budget.parameters) parameters, \(facts.budget.weightBytes) B weights (limit \(device.weightFlashBytes)), "
            + "\(arena) (limit \(device.arenaBytes)) on \(device.name); \(score) on \(facts.testWindows) windows"
    }

    static func runtime(_ folders: PipelineFolders) -> String {
        guard let export = folders.export else { return "runtime: no export stage" }
        let formats = ["tflite", "c"].filter { FileManager.default.fileExists(atPath: export.appendingPathComponent($0).path) }
        let artefacts = formats.map { "\(export.appendingPathComponent($0).path)/" }.joined(separator: ", ")
        guard let check = StudentSection.verification(export) else { return "runtime: not verified (export.verify: none); exported \(artefacts)" }
        return "runtime: \(check.runtime) \(check.passed ? "passed" : "FAILED"): \(check.results.joined(separator: "; ")); exported \(artefacts)"
    }

    static func meta(_ folder: URL) -> [String: Any] {
        FileManager.default.contents(atPath: folder.appendingPathComponent("meta.json").path)
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    }

    /// Three significant digits.
    static func number(_ value: Any?) -> String {
        guard let value = (value as? NSNumber)?.doubleValue ?? (value as? Double) else { return "?" }
        return number(value)
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        return String(format: abs(value) >= 100 ? "%.1f" : abs(value) >= 1 ? "%.3g" : "%.3f", value)
    }

    /// Three decimals (accuracies).
    static func fixed(_ value: Any?) -> String {
        guard let value = (value as? NSNumber)?.doubleValue else { return "?" }
        return String(format: "%.3f", value)
    }

    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "−") + number(abs(value)) }
}
