import Foundation
import SensorEdge

/// The test windows a distill run keeps for measuring its student through the exported C (`verification/`):
/// `raw_windows.bin` (each window's raw float32 inputs, channels-last, little-endian, in graph-input order) and
/// `test_windows.json` (the ground truth of each window and the Swift integer runtime's metric on them).
struct CPathTestWindows: Codable {
    static let rawFileName = "raw_windows.bin"
    static let fileName = "test_windows.json"

    /// "accuracy" or "mae".
    var metric: String
    /// Class index (accuracy) or value in the task's unit (mae) per window.
    var truth: [Double]
    /// The metric of the Swift integer runtime on the same windows (the run's int8 student metric).
    var swiftInt8: Double

    /// Writes both files into `directory`.
    static func write(raw: [[[Float]]], windows: CPathTestWindows, to directory: URL) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(raw.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } * 4)
        for window in raw { for input in window { for value in input { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } } } }
        try Data(bytes).write(to: directory.appendingPathComponent(rawFileName))
        try DistillRunFolder.encoded(windows).write(to: directory.appendingPathComponent(fileName))
    }
}

/// Accuracy (or MAE) of the int8 student measured through the C export: `sensorfm_model.c` plus
/// `CExport.streamDriver` compiled with the host C compiler, every kept raw test window fed through
/// `sensorfm_infer` (which normalises and quantizes as the device does), the outputs scored against the truth.
enum CPathEvaluation {
    /// The first of cc, gcc, clang on PATH.
    static func compiler() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["cc", "gcc", "clang"] {
            for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }

    /// `c_int8_student_M`, `c_path_test_windows` and `c_matches_swift` (1 when the C metric equals the Swift
    /// integer runtime's) for the windows kept in `verification`; nil when the run kept none. Throws when no C
    /// compiler is found or the C does not build or run.
    static func measure(graph: EdgeGraph, normalization: InputNormalization, valueScaling: ModelCard.ValueScaling?,
                        verification: URL) throws -> [String: Double]? {
        let manager = FileManager.default
        let raw = verification.appendingPathComponent(CPathTestWindows.rawFileName)
        guard let truthData = manager.contents(atPath: verification.appendingPathComponent(CPathTestWindows.fileName).path),
              manager.fileExists(atPath: raw.path) else { return nil }
        let windows = try JSONDecoder().decode(CPathTestWindows.self, from: truthData)
        guard let cc = compiler() else { throw RunError.io(path: verification.path, "no C compiler (cc, gcc or clang) on PATH to measure the C path") }
        let work = manager.temporaryDirectory.appendingPathComponent("sensorfm-cpath-\(UUID().uuidString)")
        defer { try? manager.removeItem(at: work) }
        var files = CExport.sources(graph: graph, normalization: normalization)
        files.append(("sensorfm_stream.c", CExport.streamDriver(graph: graph)))
        try CExport.write(files, to: work)
        let binary = work.appendingPathComponent("stream").path
        try run(cc, ["-std=c99", "-O2", "-o", binary, "sensorfm_stream.c", "sensorfm_model.c", "-lm"], in: work, input: nil)
        let output = try run(binary, [], in: work, input: raw)
        let sizes = graph.outputs.map { graph.tensors[$0].count }, stride = sizes.reduce(0, +)
        guard output.count == stride * windows.truth.count else {
            throw RunError.io(path: binary, "the C model wrote \(output.count) bytes for \(windows.truth.count) windows of \(stride)")
        }
        let first = graph.tensors[graph.outputs[0]].quantization!
        var score = 0.0
        for (index, truth) in windows.truth.enumerated() {
            let values = output[(index * stride)..<(index * stride + sizes[0])].map { Int8(bitPattern: $0) }
            if windows.metric == "accuracy" {
                score += Double(StudentEvaluation.argmax(values)) == truth ? 1 : 0
            } else {
                let scaling = valueScaling ?? ModelCard.ValueScaling(unit: "", mean: 0, scale: 1)
                let value = first.scale * Float(Int32(values[0]) - first.zeroPoint) * scaling.scale + scaling.mean
                score += abs(Double(value) - truth)
            }
        }
        let metric = windows.truth.isEmpty ? 0 : score / Double(windows.truth.count)
        return ["c_int8_student_\(windows.metric)": metric, "c_path_test_windows": Double(windows.truth.count),
                "c_matches_swift": abs(metric - windows.swiftInt8) <= 1e-9 * max(1, abs(metric)) ? 1 : 0]
    }

    /// Runs `executable` in `directory` with the file `input` on standard input; returns standard output (standard
    /// error goes to a file, so neither pipe can fill up), throws on failure.
    @discardableResult
    private static func run(_ executable: String, _ arguments: [String], in directory: URL, input: URL?) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let stdout = Pipe()
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let stderr = try FileHandle(forWritingTo: errorFile)
        defer { try? stderr.close() }
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = try input.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = FileManager.default.contents(atPath: errorFile.path) ?? Data()
        guard process.terminationStatus == 0 else {
            throw RunError.io(path: executable, "exited \(process.terminationStatus): \(String(decoding: errors.prefix(400), as: UTF8.self))")
        }
        return output
    }
}
