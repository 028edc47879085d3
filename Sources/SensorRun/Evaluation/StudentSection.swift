import Foundation
import SensorEdge
import SensorReport

/// The student part of a report, read from distill and export folders: one implementation for `sensorfm report`
/// and the pipeline's report stage. From a distill folder the int8 student's budget on its device (arena as
/// planned, and as TFLite Micro needed it when an export folder recorded the check), the device's limits, the
/// test metric of the int8 and float students beside the teacher's, and how the int8 graph was found (PTQ, or
/// QAT with the PTQ graph as baseline); from an export folder its formats and the TFLite Micro check.
enum StudentSection {
    /// A folder `sensorfm distill` wrote (meta.json kind "distill").
    static func isDistill(_ folder: URL) -> Bool {
        PipelineSummary.meta(folder)["kind"] as? String == "distill"
    }

    /// A folder `sensorfm export --out` wrote (model_card.json beside the artefact) or an export stage's folder
    /// (tflite/ and c/ with their model cards); neither has a config.yaml.
    static func isExport(_ folder: URL) -> Bool {
        ["model_card.json", "tflite/model_card.json", "c/model_card.json"].contains {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        } && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.yaml").path)
    }

    /// The distill folder among `distills` that `export` was made from: the one whose measured graph
    /// (verification/model.tflite) has the exported .tflite's bytes; an export without a .tflite belongs to the
    /// only distill folder, if there is one.
    static func distill(of export: URL, among distills: [URL]) -> URL? {
        let exported = ["tflite/model.tflite", "model.tflite"].lazy
            .compactMap { FileManager.default.contents(atPath: export.appendingPathComponent($0).path) }.first
        guard let exported else { return distills.count == 1 ? distills[0] : nil }
        return distills.first { FileManager.default.contents(atPath: $0.appendingPathComponent("verification/model.tflite").path) == exported }
    }

    /// The TFLite Micro check an export stage recorded (`runtime-check.json`), if any.
    static func verification(_ export: URL?) -> RuntimeVerification? {
        guard let export, let data = FileManager.default.contents(atPath: export.appendingPathComponent(RuntimeVerification.fileName).path) else {
            return nil
        }
        return try? JSONDecoder().decode(RuntimeVerification.self, from: data)
    }

    /// An export folder's provenance: its formats and, when recorded, the TFLite Micro check line by line.
    static func provenance(export: URL) -> RunProvenance {
        var run = RunProvenance(name: export.lastPathComponent)
        run.details["kind"] = "export"
        let manager = FileManager.default
        var formats = ["tflite", "c"].filter { manager.fileExists(atPath: export.appendingPathComponent("\($0)/model_card.json").path) }
        if formats.isEmpty, let card = manager.contents(atPath: export.appendingPathComponent("model_card.json").path),
           let format = (try? JSONSerialization.jsonObject(with: card) as? [String: Any])?["format"] as? String {
            formats = [format]
        }
        run.details["formats"] = formats.joined(separator: ", ")
        if let check = verification(export) {
            run.details["runtime_check"] = "\(check.runtime): \(check.passed ? "passed" : "FAILED")"
            for (index, line) in check.lines.enumerated() { run.details["runtime_check.\(index + 1)"] = line }
        }
        return run
    }

    /// The student section of one distill folder; `label` prefixes its rows when a report holds several students.
    static func edgeSection(distill: URL, export: URL?, label: String? = nil) throws -> EdgeSection {
        let student = try DistillFacts(distill)
        let check = verification(export)
        let name = { (text: String) in label.map { "\($0): \(text)" } ?? text }
        let int8 = name("int8 student (\(student.quantization.uppercased()))")
        let budget = student.budget
        var section = EdgeSection()
        section.budgets = [EdgeSection.Budget(
            model: int8, parameters: budget.parameters, weightBytes: budget.weightBytes, arenaBytes: budget.estimatedRuntimeArenaBytes,
            measuredArenaBytes: check?.arenaBytes, multiplyAccumulates: budget.multiplyAccumulates,
            latencyMilliseconds: budget.latencyMilliseconds, device: budget.device)]
        if let profile = try? ExportStage.deviceProfile(distill) {
            section.limits = [EdgeSection.DeviceLimits(device: profile.name, weightBytes: profile.weightFlashBytes, arenaBytes: profile.arenaBytes,
                                                       latencyMilliseconds: 1000 / profile.inferenceRateHertz)]
        } else {
            section.notes.append(name("the device profile named in meta.json cannot be read, so its limits are not shown."))
        }
        let metric = student.metric == "mae" ? "\(student.task) MAE" + (student.unit.map { " (\($0))" } ?? "") : "\(student.task) \(student.metric)"
        let teacher = Estimate(value: student.teacher)
        section.comparisons = [.init(student: int8, metric: metric, studentValue: Estimate(value: student.int8), teacherValue: teacher)]
        if let baseline = student.postTrainingBaseline {
            section.comparisons.append(.init(student: name("int8 student (PTQ baseline)"), metric: metric, studentValue: Estimate(value: baseline),
                                             teacherValue: teacher))
        }
        section.comparisons.append(.init(student: name("float student"), metric: metric, studentValue: Estimate(value: student.float),
                                         teacherValue: teacher))
        let scored = "scored on \(student.testWindows) test windows through the Swift integer runtime"
        section.notes.append(name(student.quantization == "qat"
            ? "int8 by quantization-aware fine-tuning (QAT, \(student.quantizationAwareEpochs) epochs after distillation); the post-training quantized graph of the same student is the PTQ baseline; \(scored)."
            : "int8 by post-training quantization (PTQ) on calibration windows; \(scored)."))
        if let strength = student.equalization {
            section.notes.append(name("channels equalized across layers before quantization (strength \(strength)), so each activation's channels share its int8 range."))
        }
        if let pruning = student.pruning { section.notes.append(name(pruning)) }
        if let check {
            section.notes.append(name("arena (planned): the activation plan plus the device's runtime overhead; arena (TFLite Micro): the smallest arena_size TFLite Micro accepted."))
            section.notes.append(name("\(check.runtime) check \(check.passed ? "passed" : "FAILED"): " + check.results.joined(separator: "; ")))
        }
        return section
    }
}

/// What a distill run folder measured: budget.json, results.json and (regression) the unit in student.json.
struct DistillFacts {
    let budget: ModelCard.Budget
    let task: String
    /// "accuracy" (classes) or "mae" (regression, in `unit`).
    let metric: String
    let unit: String?
    let teacher: Double
    let float: Double
    let int8: Double
    /// "ptq" or "qat".
    let quantization: String
    /// QAT only: the post-training graph's metric.
    let postTrainingBaseline: Double?
    let quantizationAwareEpochs: Int
    /// The strength of cross-layer channel equalization before quantization (nil: off).
    let equalization: Double?
    let testWindows: Int
    /// What structured pruning changed from the unpruned student (round 0) to the last round, if it ran.
    let pruning: String?

    init(_ folder: URL) throws {
        func object(_ file: String) -> [String: Any]? {
            FileManager.default.contents(atPath: folder.appendingPathComponent(file).path)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
        guard let budgetData = FileManager.default.contents(atPath: folder.appendingPathComponent("budget.json").path),
              let budget = try? JSONDecoder().decode(ModelCard.Budget.self, from: budgetData),
              let results = object("results.json"), let metrics = results["accuracy"] as? [String: Double],
              let metric = ["accuracy", "mae"].first(where: { metrics["teacher_\($0)"] != nil }),
              let teacher = metrics["teacher_\(metric)"], let float = metrics["float_student_\(metric)"],
              let int8 = metrics["int8_student_\(metric)"] else {
            throw RunError.notARun(path: folder.path, "not a complete distill run (budget.json, results.json with teacher, float and int8 student metrics)")
        }
        self.budget = budget
        self.metric = metric
        self.teacher = teacher
        self.float = float
        self.int8 = int8
        task = results["task"] as? String ?? "activity"
        unit = ((object(DistilledStudentRecord.fileName)?["valueScaling"] as? [String: Any])?["unit"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        quantization = results["quantization"] as? String ?? "ptq"
        postTrainingBaseline = quantization == "qat" ? metrics["ptq_int8_student_\(metric)"] : nil
        quantizationAwareEpochs = (results["quantization_aware_epoch_losses"] as? [Any])?.count ?? 0
        equalization = (results["equalization"] as? Double).flatMap { $0 > 0 ? $0 : nil }
        testWindows = results["test_windows"] as? Int ?? 0
        pruning = Self.pruningNote(results["pruning"] as? [[String: Any]] ?? [], metric: "float_student_\(metric)", label: "float student \(task) \(metric)")
    }

    /// "channels per layer 14/14/14/14, ... -> 13/13/13/13, ...; parameters 4971 -> 4513; ..." from results.json's rounds.
    private static func pruningNote(_ rounds: [[String: Any]], metric: String, label: String) -> String? {
        guard rounds.count > 1, let first = rounds.first, let last = rounds.last else { return nil }
        func widths(_ round: [String: Any]) -> String {
            (round["stemWidths"] as? [[Int]] ?? []).map { $0.map(String.init).joined(separator: "/") }.joined(separator: ", ")
        }
        func change(_ key: String, _ what: String, unit: String = "") -> String? {
            guard let before = first[key] as? Int, let after = last[key] as? Int else { return nil }
            return "\(what) \(before) → \(after)\(unit)"
        }
        var parts = ["channels per stem layer \(widths(first)) → \(widths(last))"]
        parts += [change("parameters", "parameters"), change("weightBytes", "int8 weights", unit: " B"),
                  change("estimatedRuntimeArenaBytes", "estimated arena", unit: " B")].compactMap { $0 }
        if let before = (first["metrics"] as? [String: Double])?[metric], let after = (last["metrics"] as? [String: Double])?[metric] {
            parts.append("\(label) \(String(format: "%.3f", before)) → \(String(format: "%.3f", after))")
        }
        return "structured channel pruning, \(rounds.count - 1) round\(rounds.count == 2 ? "" : "s") with distillation fine-tuning: " + parts.joined(separator: "; ") + "."
    }
}
