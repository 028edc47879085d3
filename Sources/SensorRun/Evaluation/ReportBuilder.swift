import Foundation
import SensorEval
import SensorReport

/// Builds the `Report` of `sensorfm report` from run folders: provenance and training curves of
/// every folder, and from an evaluation's `results.json` the label-efficiency curves, confusion
/// matrices, Bland–Altman plots and metric tables; from `embeddings.safetensors` a PCA map; from distill
/// and export folders the student section (`StudentSection`). Only what the runs computed enters the report
/// (no clock, no wall-clock durations or timing curves, no absolute paths), so re-rendering is byte-identical,
/// and so is the report of the same experiment run again into another folder.
public enum ReportBuilder {
    /// Methods in label-efficiency order: a model and mode of `RunResult` and their legend name.
    static func method(model: String, mode: String) -> String? {
        switch (model, mode) {
        case ("pretrained", "probe"): LabelEfficiencyStudy.Series.pretrainedProbe
        case ("pretrained", "full"): LabelEfficiencyStudy.Series.pretrainedFineTune
        case ("pretrained", _): "pretrained \(mode)"
        case ("scratch", _): LabelEfficiencyStudy.Series.scratch
        case ("features", _): LabelEfficiencyStudy.Series.features
        default: nil
        }
    }

    static let metricTitles = ["accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "macro_f1": "macro-F1",
                               "auroc": "AUROC", "mae": "MAE", "rmse": "RMSE", "pearson": "Pearson r"]

    /// The report of `folders` (in the given order). Distill folders add the student section, export folders
    /// their provenance and, with the distill folder they were made from, the TFLite Micro check.
    public static func build(folders: [URL]) throws -> Report {
        var report = Report(title: "SensorFM report")
        let folders = folders.map(\.standardizedFileURL)
        let exports = folders.filter(StudentSection.isExport)
        let distills = folders.filter(StudentSection.isDistill)
        for url in folders {
            let name = url.lastPathComponent
            if exports.contains(url) {
                report.runs.append(StudentSection.provenance(export: url))
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.fileExists(atPath: url.appendingPathComponent("config.yaml").path) else {
                throw RunError.notARun(path: url.path, "it has no config.yaml nor model_card.json (give folders that sensorfm pretrain, finetune, evaluate, distill or export wrote)")
            }
            report.runs.append(provenance(url, name: name))
            if distills.contains(url) {
                let export = exports.first { StudentSection.distill(of: $0, among: distills) == url }
                let section = try StudentSection.edgeSection(distill: url, export: export, label: distills.count > 1 ? name : nil)
                report.edge = report.edge.map { $0.merged(with: section) } ?? section
                continue
            }
            let metricsURL = url.appendingPathComponent("metrics.jsonl")
            if FileManager.default.fileExists(atPath: metricsURL.path) {
                let series = try MetricsLogParser.parse(contentsOf: metricsURL).filter { !timingSeries.contains($0.key) }
                if !series.isEmpty { report.trainingCurves.append(TrainingCurves(runName: name, series: series)) }
            }
            let resultsURL = url.appendingPathComponent("results.json")
            if let data = FileManager.default.contents(atPath: resultsURL.path) {
                let results: EvaluationResults
                do { results = try EvaluationResults.decode(data) } catch {
                    throw RunError.notARun(path: resultsURL.path, "not a readable results.json: \(error)")
                }
                add(results, runName: name, to: &report)
            }
            let embeddingsURL = url.appendingPathComponent(EmbeddingExport.fileName)
            if FileManager.default.fileExists(atPath: embeddingsURL.path) {
                let (map, warning) = try EmbeddingProjection.map(embeddingsURL, title: "\(name): pretrained embeddings of test windows")
                if let map { report.embeddingMaps.append(map) }
                if let warning { report.warnings.append("\(name): \(warning)") }
            }
        }
        return report
    }

    /// Series of `metrics.jsonl` that measure the machine, not the model (they stay in the file and the log).
    static let timingSeries: Set<String> = ["windows_per_s"]

    /// Provenance from `meta.json` and `config.yaml`. What the clock decides (creation times, wall-clock
    /// durations) stays in meta.json and the logs: the report is a function of what the runs computed.
    static func provenance(_ url: URL, name: String) -> RunProvenance {
        let meta = (FileManager.default.contents(atPath: url.appendingPathComponent("meta.json").path))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        let config = (try? String(contentsOf: url.appendingPathComponent("config.yaml"), encoding: .utf8)) ?? ""
        let machine = meta["machine"] as? [String: Any]
        var details: [String: String] = ["kind": meta["kind"] as? String ?? "pretraining"]
        for key in ["checkpoint", "checkpoint_sha256", "checkpoint_step", "source_git_describe"] {
            if let value = meta[key] { details[key] = "\(value)" }
        }
        if let source = meta["pretraining_run"] as? String { details["pretraining_run"] = URL(fileURLWithPath: source).lastPathComponent }
        if let split = meta["split"] as? [String: [String]] {
            for part in split.keys.sorted() { details["split.\(part)"] = split[part]!.joined(separator: ", ") }
        }
        if let subjects = meta["pretraining_subjects"] as? [String] { details["pretraining_subjects"] = subjects.joined(separator: ", ") }
        let seed = (meta["seed"] as? NSNumber).map { [$0.uint64Value] } ?? []
        return RunProvenance(
            name: name, configText: withoutLocations(config), codeVersion: meta["code_version"] as? String ?? "",
            dataManifestHash: meta["data_manifest_sha256"] as? String ?? "", seeds: seed,
            machine: machine.map { "\($0["uname"] ?? "") (\($0["cores"] ?? "?") cores)" } ?? "",
            details: details)
    }

    /// A resolved config with each absolute path value cut to its last component (`cache: …/cohorts`): where the
    /// checkout or the cache lives is not part of the experiment, so the report reads the same wherever the folders
    /// are (the full paths stay in the folder's config.yaml).
    static func withoutLocations(_ config: String) -> String {
        let pathValue = #/^(\s*[^\s#][^#]*?:\s+)(['"]?)(/[^'"\s#]*)/#
        return config.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let match = line.firstMatch(of: pathValue) else { return String(line) }
            let last = match.output.3.split(separator: "/").last.map(String.init) ?? ""
            return "\(match.output.1)\(match.output.2)…/\(last)" + line[match.range.upperBound...]
        }.joined(separator: "\n")
    }

    /// Label-efficiency curves, confusion matrices, Bland–Altman plots and tables of one results file.
    static func add(_ results: EvaluationResults, runName: String, to report: inout Report) {
        report.warnings += results.warnings.map { "\(runName): \($0)" }
        for task in results.tasks {
            let name = task.task.name
            let classification = task.task.kind == .classification
            let means = SeedMean.of(task)
            let folds = Set(means.map(\.fold)).count
            let seeds = results.seeds.map(String.init).joined(separator: ", ")
            let intervalNote = task.summaries.isEmpty
                ? "none (these results predate seed-mean intervals; points are plain means over seeds)"
                : folds > 1 ? "none (points are means over \(folds) folds of the seed means; each fold's intervals are in the table)"
                : results.seeds.count == 1
                ? "\(NumberFormatting.percent(task.summaries[0].interval.level)) subject-bootstrap interval of the one seed's model (seed \(seeds), \(results.bootstrapResamples) resamples)"
                : "\(NumberFormatting.percent(task.summaries[0].interval.level)) subject-bootstrap interval of the mean over seeds \(seeds) (\(results.bootstrapResamples) resamples, every seed scored on the same resampled test subjects)"
            for metric in [classification ? "accuracy" : "mae", classification ? "macro_f1" : "pearson"] {
                var byMethod: [String: [Double: [Estimate]]] = [:]
                for mean in means where mean.fraction > 0 && mean.metric == metric {
                    guard let method = method(model: mean.model, mode: mean.mode) else { continue }
                    byMethod[method, default: [:]][mean.fraction, default: []].append(mean.estimate)
                }
                guard !byMethod.isEmpty else { continue }
                let series = byMethod.keys.sorted().map { method in
                    LabelEfficiencyStudy.Series(method: method, points: byMethod[method]!.map { fraction, estimates in
                        .init(fraction: fraction, estimate: estimates.count == 1 ? estimates[0]
                            : Estimate(value: estimates.reduce(0) { $0 + $1.value } / Double(estimates.count)))
                    })
                }
                report.labelEfficiency.append(LabelEfficiencyStudy(
                    task: "\(runName): \(name)", metric: metricTitles[metric] ?? metric, higherIsBetter: metric != "mae",
                    series: series, intervalNote: intervalNote))
            }
            let largest = results.fractions.max() ?? 1
            for run in task.runs where run.seed == results.seeds.first && run.fold.index == 0 && (run.fraction == largest || run.fraction == 0) {
                let label = "\(runName): \(name), \(method(model: run.model, mode: run.mode) ?? run.model)"
                    + (run.fraction > 0 ? ", \(NumberFormatting.percent(run.fraction)) labels, seed \(run.seed)" : "")
                if let confusion = run.metrics.classification?.confusion {
                    report.confusionMatrices.append(SensorReport.ConfusionMatrix(title: label, labels: confusion.classNames, counts: confusion.counts))
                }
                if let regression = run.metrics.regression, let agreement = regression.blandAltman {
                    report.blandAltman.append(BlandAltmanPlot(
                        title: label, unit: task.task.unit ?? "", points: regression.blandAltmanPoints.map { .init(mean: $0.mean, difference: $0.difference) },
                        bias: agreement.bias, lowerLimit: agreement.lowerLimit, upperLimit: agreement.upperLimit))
                }
            }
            report.metricTables.append(MetricTable(
                title: "\(runName): \(name) on the test subjects",
                note: "Mean over seeds of each metric; intervals: \(intervalNote); fraction 0 = no labels used.",
                entries: means.map { mean in
                    MetricTable.Entry(row: "\(mean.model) \(mean.mode) @ \(NumberFormatting.percent(mean.fraction))" + (folds > 1 ? ", fold \(mean.fold)" : ""),
                                      metric: metricTitles[mean.metric] ?? mean.metric, estimate: mean.estimate)
                }))
            let pooled = task.comparisons.filter { $0.seeds.count == max(1, results.seeds.count) }
            if !pooled.isEmpty {
                report.metricTables.append(MetricTable(
                    title: "\(runName): \(name), paired differences pretrained − baseline",
                    note: "Paired subject bootstrap over the test subjects (\(results.bootstrapResamples) resamples), metric averaged over seeds \(results.seeds.map(String.init).joined(separator: ", ")); an interval excluding 0 is a significant difference (for MAE and RMSE negative favours pretrained).",
                    entries: pooled.map { comparison in
                        MetricTable.Entry(row: "\(comparison.mode) − \(comparison.second) @ \(NumberFormatting.percent(comparison.fraction)), fold \(comparison.fold)",
                                          metric: metricTitles[comparison.metric] ?? comparison.metric,
                                          estimate: Estimate(value: comparison.difference.estimate, lower: comparison.difference.lower,
                                                             upper: comparison.difference.upper))
                    }))
            }
        }
    }
}

/// The mean over seeds of one method's metric at one fraction on one fold's test subjects.
struct SeedMean {
    let model: String
    let mode: String
    let fraction: Double
    let fold: Int
    let metric: String
    let estimate: Estimate

    /// From the task's summaries (with their bootstrap intervals of the seed mean); for results
    /// written before summaries existed, the plain mean of the runs' estimates with no interval
    /// (averaging per-seed interval bounds would not be an interval of anything).
    static func of(_ task: TaskResults) -> [SeedMean] {
        if !task.summaries.isEmpty {
            return task.summaries.map {
                SeedMean(model: $0.model, mode: $0.mode, fraction: $0.fraction, fold: $0.fold, metric: $0.metric,
                         estimate: Estimate(value: $0.interval.estimate, lower: $0.interval.lower, upper: $0.interval.upper))
            }
        }
        var order: [String] = [], members: [String: [RunResult]] = [:]
        for run in task.runs {
            let key = "\(run.model)/\(run.mode)/\(run.fraction)/\(run.fold.index)"
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(run)
        }
        return order.flatMap { key in
            let runs = members[key]!
            return Scoring.metricNames(task.task.kind).compactMap { metric -> SeedMean? in
                let values = runs.compactMap { $0.metrics.interval(metric)?.estimate }
                guard !values.isEmpty else { return nil }
                return SeedMean(model: runs[0].model, mode: runs[0].mode, fraction: runs[0].fraction, fold: runs[0].fold.index,
                                metric: metric, estimate: Estimate(value: values.reduce(0, +) / Double(values.count)))
            }
        }
    }
}

extension MetricReport {
    /// The interval of a metric named as in `Scoring.metricNames`.
    func interval(_ metric: String) -> ConfidenceInterval? {
        switch metric {
        case "accuracy": classification?.accuracy
        case "balanced_accuracy": classification?.balancedAccuracy
        case "macro_f1": classification?.macroF1
        case "auroc": classification?.auroc
        case "mae": regression?.meanAbsoluteError
        case "rmse": regression?.rootMeanSquaredError
        case "pearson": regression?.pearson
        default: nil
        }
    }
}

enum NumberFormatting {
    /// "1 %", "25 %", "0.5 %".
    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value)) %" : "\(value) %"
    }
}
