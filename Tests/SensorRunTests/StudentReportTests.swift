import Foundation
import SensorReport
import Testing
@testable import SensorRun

/// `sensorfm report` on distill and export folders: the student section carries exactly the numbers the folders
/// hold (written here by hand, as `sensorfm distill` and the export stage write them).
@Suite struct StudentReportTests {
    /// The repository's wrist profile (64 KiB weights, 32 KiB arena, one window every 10 s).
    static let device = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/devices/wrist-default.yaml")
        .standardizedFileURL

    /// A distill folder: budget.json, results.json and meta.json naming a device profile; `graph` is its
    /// verification/model.tflite.
    static func distill(in root: URL, name: String, metric: String, quantization: String, graph: String) throws -> URL {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("verification"), withIntermediateDirectories: true)
        try Data("task: x\n".utf8).write(to: folder.appendingPathComponent("config.yaml"))
        try Data(#"{"kind": "distill", "device": "\#(Self.device.path)", "seed": 3, "durations": {"distill": 12.5}}"#.utf8)
            .write(to: folder.appendingPathComponent("meta.json"))
        try Data(#"""
            {"device": "wrist-default", "arithmetic": "int8", "parameters": 1234, "weightBytes": 2000, "plannedArenaBytes": 21000,
             "estimatedRuntimeArenaBytes": 29480, "multiplyAccumulates": 50000, "latencyMilliseconds": 4.6875,
             "cyclesPerMultiplyAccumulate": 6, "clockMegahertz": 64}
            """#.utf8).write(to: folder.appendingPathComponent("budget.json"))
        // The QAT student was also equalized and pruned: two rounds as `sensorfm distill` records them.
        let round0 = #"{"round": 0, "stemWidths": [[8, 8]], "parameters": 900, "weightBytes": 1000, "estimatedRuntimeArenaBytes": 33000, "metrics": {"float_student_\#(metric)": 0.8}}"#
        let round1 = #"{"round": 1, "stemWidths": [[6, 7]], "parameters": 700, "weightBytes": 800, "estimatedRuntimeArenaBytes": 30000, "metrics": {"float_student_\#(metric)": 0.81}}"#
        let pruning = quantization == "qat" ? #", "pruning": [\#(round0), \#(round1)]"# : ""
        let ptq = quantization == "qat" ? #", "ptq_int8_student_\#(metric)": 0.5, "qat_int8_student_\#(metric)": 0.75"# : ""
        try Data(#"""
            {"task": "\#(metric == "mae" ? "heart_rate" : "activity")", "test_windows": 120, "quantization": "\#(quantization)",
             "equalization": \#(quantization == "qat" ? "0.5" : "0"),
             "quantization_aware_epoch_losses": \#(quantization == "qat" ? "[0.4, 0.3]" : "[]"),
             "accuracy": {"teacher_\#(metric)": 0.875, "float_student_\#(metric)": 0.8125, "int8_student_\#(metric)": 0.75\#(ptq)}\#(pruning)}
            """#.utf8).write(to: folder.appendingPathComponent("results.json"))
        if metric == "mae" {
            try Data(#"{"valueScaling": {"unit": "bpm", "mean": 70, "scale": 10}}"#.utf8).write(to: folder.appendingPathComponent("student.json"))
        }
        try Data(graph.utf8).write(to: folder.appendingPathComponent("verification/model.tflite"))
        return folder
    }

    /// An export stage's folder: tflite/ with `graph` as model.tflite, and the TFLite Micro check.
    static func export(in root: URL, graph: String, arenaBytes: Int) throws -> URL {
        let folder = root.appendingPathComponent("export-1")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tflite"), withIntermediateDirectories: true)
        try Data(graph.utf8).write(to: folder.appendingPathComponent("tflite/model.tflite"))
        try Data("{}".utf8).write(to: folder.appendingPathComponent("tflite/model_card.json"))
        let check = RuntimeVerification(runtime: "TFLite Micro (PyPI tflite-micro)", passed: true, arenaBytes: arenaBytes, maximumArenaBytes: 32768,
                                        lines: ["ok output 0: 120 samples, 100 % identical"])
        try JSONEncoder().encode(check).write(to: folder.appendingPathComponent(RuntimeVerification.fileName))
        return folder
    }

    @Test func aDistillAndItsExportFolderRenderTheStudentSectionByteIdentically() throws {
        let root = RunTestSupport.temporaryDirectory("student-report")
        let distill = try Self.distill(in: root, name: "distill-qat", metric: "accuracy", quantization: "qat", graph: "graph A")
        let export = try Self.export(in: root, graph: "graph A", arenaBytes: 28_000)
        let report = try ReportBuilder.build(folders: [distill, export])
        let edge = try #require(report.edge)
        #expect(edge.budgets == [EdgeSection.Budget(model: "int8 student (QAT)", parameters: 1234, weightBytes: 2000, arenaBytes: 29_480,
                                                     measuredArenaBytes: 28_000, multiplyAccumulates: 50_000, latencyMilliseconds: 4.6875,
                                                     device: "wrist-default")])
        #expect(edge.limits == [EdgeSection.DeviceLimits(device: "wrist-default", weightBytes: 65536, arenaBytes: 32768, latencyMilliseconds: 10_000)])
        #expect(edge.comparisons.map(\.student) == ["int8 student (QAT)", "int8 student (PTQ baseline)", "float student"])
        #expect(edge.comparisons.map(\.studentValue.value) == [0.75, 0.5, 0.8125])
        #expect(edge.comparisons.allSatisfy { $0.metric == "activity accuracy" && $0.teacherValue.value == 0.875 })
        #expect(edge.notes.contains { $0.contains("QAT, 2 epochs") })
        #expect(edge.notes.contains { $0.hasPrefix("channels equalized across layers before quantization (strength 0.5)") })
        #expect(edge.notes.contains("structured channel pruning, 1 round with distillation fine-tuning: channels per stem layer 8/8 → 6/7; parameters 900 → 700; int8 weights 1000 → 800 B; estimated arena 33000 → 30000 B; float student activity accuracy 0.800 → 0.810."))
        #expect(edge.notes.contains { $0.hasPrefix("TFLite Micro (PyPI tflite-micro) check passed: output 0: 120 samples") })
        #expect(report.runs.map(\.name) == ["distill-qat", "export-1"])
        #expect(report.runs[1].details["runtime_check"] == "TFLite Micro (PyPI tflite-micro): passed")
        #expect(report.runs[1].details["formats"] == "tflite")

        let out = root.appendingPathComponent("out/report.html")
        let html = try ReportRun.render(folders: [distill, export], out: out)
        let first = try Data(contentsOf: html), markdown = out.deletingPathExtension().appendingPathExtension("md")
        let firstMarkdown = try Data(contentsOf: markdown)
        _ = try ReportRun.render(folders: [distill, export], out: out)
        #expect(try Data(contentsOf: html) == first)
        #expect(try Data(contentsOf: markdown) == firstMarkdown)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.contains("arena (TFLite Micro)") && text.contains("int8 student (PTQ baseline)"))
        #expect(!text.contains(root.path), "no absolute paths in the report")
        #expect(!text.contains("12.5"), "no wall-clock durations in the report")
    }

    @Test func configPathsAreCutToTheirLastComponent() {
        let config = "data:\n  cache: /work/x/generated/cohorts\ndevice: '/a/b/wrist.yaml' # profile\nname: run/1\nlr: 2e-3 # see /c\n"
        #expect(ReportBuilder.withoutLocations(config)
            == "data:\n  cache: …/cohorts\ndevice: '…/wrist.yaml' # profile\nname: run/1\nlr: 2e-3 # see /c\n")
    }

    @Test func aRegressionStudentReportsItsMAEInTheTasksUnitWithoutAnExport() throws {
        let root = RunTestSupport.temporaryDirectory("student-report-hr")
        let distill = try Self.distill(in: root, name: "distill-hr", metric: "mae", quantization: "ptq", graph: "graph B")
        let edge = try #require(try ReportBuilder.build(folders: [distill]).edge)
        #expect(edge.budgets.map(\.model) == ["int8 student (PTQ)"] && edge.budgets[0].measuredArenaBytes == nil)
        #expect(edge.comparisons.map(\.student) == ["int8 student (PTQ)", "float student"])
        #expect(edge.comparisons.allSatisfy { $0.metric == "heart_rate MAE (bpm)" })
        #expect(edge.notes == ["int8 by post-training quantization (PTQ) on calibration windows; scored on 120 test windows through the Swift integer runtime."])
    }

    /// Two students side by side: rows named by folder, the export's check only on the student it was made from,
    /// and a measured arena over the device's limit is marked even when the planned one fits.
    @Test func anExportBelongsToTheStudentWhoseGraphItHolds() throws {
        let root = RunTestSupport.temporaryDirectory("student-report-two")
        let first = try Self.distill(in: root, name: "distill-a", metric: "accuracy", quantization: "ptq", graph: "graph A")
        let second = try Self.distill(in: root, name: "distill-b", metric: "accuracy", quantization: "ptq", graph: "graph B")
        let export = try Self.export(in: root, graph: "graph B", arenaBytes: 40_000)
        let edge = try #require(try ReportBuilder.build(folders: [first, second, export]).edge)
        #expect(edge.budgets.map(\.model) == ["distill-a: int8 student (PTQ)", "distill-b: int8 student (PTQ)"])
        #expect(edge.budgets.map(\.measuredArenaBytes) == [nil, 40_000])
        #expect(edge.limits.count == 1)
        #expect(edge.exceededLimits(of: edge.budgets[0]).isEmpty && edge.exceededLimits(of: edge.budgets[1]) == ["arena"])
        let markdown = MarkdownRenderer.render(try ReportBuilder.build(folders: [first, second, export]))
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| distill-") && $0.contains("| wrist-default |") }
        #expect(rows.count == 2 && !rows[0].contains("(over)") && rows[0].contains("| 28.8 KiB | — |"), "\(rows)")
        #expect(rows.count == 2 && rows[1].contains("| 28.8 KiB | 39.1 KiB (over) |"), "\(rows)")
    }

    @Test func aFolderThatIsNeitherARunNorAnExportIsAClearError() throws {
        let root = RunTestSupport.temporaryDirectory("student-report-empty")
        let error = try #require(throws: RunError.self) { try ReportBuilder.build(folders: [root]) }
        #expect("\(error)".contains("model_card.json"))
    }
}
