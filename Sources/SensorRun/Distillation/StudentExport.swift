import Foundation
import SensorEdge
import SensorNN
import SensorTensor

/// `sensorfm export RUN_DIR --format tflite|c --out DIR`: the int8 student of a distill run, rebuilt from its
/// weights and recorded calibration ranges (the graph the run measured), written by `EdgeArtefact.write` with
/// the run's accuracy against the teacher in the model card. The C format also measures the student through the
/// exported C itself (host compiler, `sensorfm_infer` on the run's raw test windows, normalise-and-quantize
/// included) and adds `c_int8_student_accuracy` (or `_mae`) to the card. An existing DIR is never overwritten.
public enum StudentExport {
    public static func write(runDirectory: URL, format: EdgeArtefactFormat, to directory: URL) throws {
        let folder = runDirectory.standardizedFileURL
        let recordURL = folder.appendingPathComponent(DistilledStudentRecord.fileName)
        guard let data = FileManager.default.contents(atPath: recordURL.path) else {
            throw RunError.notARun(path: folder.path, "it is not a distill run (no \(DistilledStudentRecord.fileName)); give a folder `sensorfm distill` wrote")
        }
        let record: DistilledStudentRecord
        do { record = try JSONDecoder().decode(DistilledStudentRecord.self, from: data) } catch {
            throw RunError.notARun(path: recordURL.path, "unreadable: \(error)")
        }
        var generator = RandomGenerator(seed: 0)
        let student = StudentModel(configuration: record.configuration, generator: &generator)
        try Checkpoint(contentsOf: folder.appendingPathComponent(DistilledStudentRecord.weightsFileName)).restore(model: student)
        student.eval()
        let graph = try record.quantized(StudentLowering.floatGraph(student))
        let profile = try DeviceProfile.load(URL(fileURLWithPath: record.device))
        var metrics = record.accuracyVersusTeacher
        if format == .c, FileManager.default.fileExists(atPath: directory.standardizedFileURL.path) == false,
           let measured = try CPathEvaluation.measure(graph: graph, normalization: record.inputNormalization, valueScaling: record.valueScaling,
                                                      verification: folder.appendingPathComponent("verification")) {
            metrics.merge(measured) { _, new in new }
        }
        try EdgeArtefact.write(graph: graph, normalization: record.inputNormalization, windowSeconds: record.windowSeconds,
                               format: format, profile: profile, accuracyVersusTeacher: metrics,
                               valueScaling: record.valueScaling, pruning: record.pruning, to: directory.standardizedFileURL)
    }
}
