import Foundation
import SensorEdge
import SensorReport

/// The report stage: `sensorfm report`'s report of the pretraining, evaluation and fine-tuning folders, plus the
/// student's section (its budget on the device with the TFLite Micro arena, its accuracy beside the teacher's) and
/// the distill and export folders' provenance.
///
/// Unlike `sensorfm report`, the pipeline's report leaves out what the clock decides (creation times, durations,
/// windows/s curves; they stay in each folder's meta.json, metrics.jsonl and stage.json), so it is a function of
/// the config, the seed and the code alone: an interrupted and resumed run renders the same bytes as an
/// uninterrupted one.
enum PipelineReport {
    struct Folders {
        var pretrain: URL
        var evaluate: URL?
        var finetune: URL?
        var distill: URL?
        var export: URL?
    }

    /// Series of `metrics.jsonl` that measure the machine, not the model.
    static let timingSeries: Set<String> = ["windows_per_s"]

    static func build(_ folders: Folders, title: String) throws -> Report {
        var report = try ReportBuilder.build(folders: [folders.pretrain, folders.evaluate, folders.finetune].compactMap { $0 })
        report.title = title
        if let distill = folders.distill {
            report.runs.append(ReportBuilder.provenance(distill, name: distill.lastPathComponent))
            report.edge = try edgeSection(distill: distill, export: folders.export)
        }
        if let export = folders.export {
            var run = RunProvenance(name: export.lastPathComponent, codeVersion: PretrainRun.codeVersion)
            run.details["kind"] = "export"
            run.details["formats"] = ((try? FileManager.default.contentsOfDirectory(atPath: export.path)) ?? [])
                .filter { ["tflite", "c"].contains($0) }.sorted().joined(separator: ", ")
            if let check = verification(export) {
                run.details["runtime_check"] = "\(check.runtime): \(check.passed ? "passed" : "FAILED")"
                for (index, line) in check.lines.enumerated() { run.details["runtime_check.\(index + 1)"] = line }
            }
            report.runs.append(run)
        }
        for index in report.runs.indices {
            report.runs[index].durations = []
            report.runs[index].details["created"] = nil
        }
        report.trainingCurves = report.trainingCurves.map { curves in
            TrainingCurves(runName: curves.runName, series: curves.series.filter { !timingSeries.contains($0.key) })
        }
        return report
    }

    /// Writes `report.html` and `report.md` into `folder` (atomically); returns the HTML file.
    static func write(_ report: Report, to folder: URL) throws -> URL {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw RunError.io(path: folder.path, "cannot create: \(error.localizedDescription)")
        }
        let html = folder.appendingPathComponent("report.html")
        try ReportWriter.writeAtomically(Data(HTMLRenderer.render(report).utf8), to: html)
        try ReportWriter.writeAtomically(Data(MarkdownRenderer.render(report).utf8), to: folder.appendingPathComponent("report.md"))
        return html
    }

    static func verification(_ export: URL?) -> RuntimeVerification? {
        guard let export, let data = FileManager.default.contents(atPath: export.appendingPathComponent(RuntimeVerification.fileName).path) else {
            return nil
        }
        return try? JSONDecoder().decode(RuntimeVerification.self, from: data)
    }

    /// The int8 student on its device: budget (arena as TFLite Micro measured it when the export stage checked it,
    /// else the estimate), the device's limits, and test accuracy of the int8 and float students beside the teacher's.
    static func edgeSection(distill: URL, export: URL?) throws -> EdgeSection {
        let student = try DistillFacts(distill)
        let profile = try ExportStage.deviceProfile(distill)
        let budget = student.budget
        var section = EdgeSection()
        section.budgets = [EdgeSection.Budget(
            model: "int8 student", parameters: budget.parameters, weightBytes: budget.weightBytes,
            arenaBytes: verification(export)?.arenaBytes ?? budget.estimatedRuntimeArenaBytes,
            multiplyAccumulates: budget.multiplyAccumulates, latencyMilliseconds: budget.latencyMilliseconds, device: profile.name)]
        section.limits = [EdgeSection.DeviceLimits(device: profile.name, weightBytes: profile.weightFlashBytes, arenaBytes: profile.arenaBytes,
                                                   latencyMilliseconds: 1000 / profile.inferenceRateHertz)]
        let teacher = Estimate(value: student.teacherAccuracy)
        section.comparisons = [
            .init(student: "int8 student", metric: "\(student.task) accuracy", studentValue: Estimate(value: student.int8Accuracy), teacherValue: teacher),
            .init(student: "float student", metric: "\(student.task) accuracy", studentValue: Estimate(value: student.floatAccuracy), teacherValue: teacher),
        ]
        return section
    }
}

/// What a distill run folder measured: budget.json and results.json.
struct DistillFacts {
    let budget: ModelCard.Budget
    let task: String
    let teacherAccuracy: Double
    let floatAccuracy: Double
    let int8Accuracy: Double
    let testWindows: Int

    init(_ folder: URL) throws {
        guard let budgetData = FileManager.default.contents(atPath: folder.appendingPathComponent("budget.json").path),
              let budget = try? JSONDecoder().decode(ModelCard.Budget.self, from: budgetData),
              let resultsData = FileManager.default.contents(atPath: folder.appendingPathComponent("results.json").path),
              let results = try? JSONSerialization.jsonObject(with: resultsData) as? [String: Any],
              let accuracy = results["accuracy"] as? [String: Double],
              let teacher = accuracy["teacher_accuracy"], let float = accuracy["float_student_accuracy"],
              let int8 = accuracy["int8_student_accuracy"] else {
            throw RunError.notARun(path: folder.path, "not a complete distill run (budget.json, results.json with accuracy)")
        }
        self.budget = budget
        task = results["task"] as? String ?? "activity"
        teacherAccuracy = teacher
        floatAccuracy = float
        int8Accuracy = int8
        testWindows = results["test_windows"] as? Int ?? 0
    }
}
