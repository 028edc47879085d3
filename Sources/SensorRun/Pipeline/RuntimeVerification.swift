import Foundation

/// The export stage's check in the real runtime: the distill run's verification bundle (its int8 student and test
/// windows with the Swift integer runtime's outputs) replayed in the TFLite Micro interpreter by
/// `Scripts/check_tflite.py` (PyPI `tflite-micro` in `.venv-edge`, made by `Scripts/edge_venv.sh`, which
/// `Scripts/setup.sh` runs). Outputs must be bit-identical up to the logits (softmax within 1 LSB, same top class) and
/// the smallest arena TFLite Micro accepts must fit the device's.
struct RuntimeVerification: Codable, Equatable {
    static let fileName = "runtime-check.json"
    var runtime: String
    var passed: Bool
    /// The smallest `arena_size` TFLite Micro accepted (bisection in 16-byte steps).
    var arenaBytes: Int?
    var maximumArenaBytes: Int
    /// The check's result lines (per output: samples, identical share, max difference, same top class).
    var lines: [String]

    /// The result lines without the "ok" marker ("logits: 300 samples, 100.0% identical, …"); failures keep theirs.
    var results: [String] {
        lines.map { $0.hasPrefix("ok ") ? String($0.dropFirst(2)).trimmingCharacters(in: .whitespaces) : $0 }
    }

    /// The folder holding `Scripts/check_tflite.py`: `SENSORFM_HOME`, else the first parent of the config file's or
    /// the executable's folder that has it (a checkout run from anywhere).
    static func checkout(near places: [URL], environment: [String: String]) -> URL? {
        if let home = environment["SENSORFM_HOME"], !home.isEmpty { return URL(fileURLWithPath: home, isDirectory: true) }
        for place in places {
            var folder = place.standardizedFileURL.resolvingSymlinksInPath()
            while folder.path != "/" {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Scripts/check_tflite.py").path) { return folder }
                folder = folder.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// Runs the check on `bundle`; a failing check is a result with `passed` false (the caller decides), a check
    /// that cannot run at all (no checkout, no Python environment) is an error saying how to get one.
    static func run(bundle: URL, maximumArenaBytes: Int, near places: [URL],
                    environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RuntimeVerification {
        guard let checkout = checkout(near: places, environment: environment) else {
            throw RunError.io(path: bundle.path, "cannot find Scripts/check_tflite.py beside the config or the sensorfm binary; set SENSORFM_HOME to the SensorFM checkout, or set export.verify: none")
        }
        let python = environment["SENSORFM_EDGE_PYTHON"].map { URL(fileURLWithPath: $0) }
            ?? checkout.appendingPathComponent(".venv-edge/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw RunError.io(path: python.path, "the TFLite Micro check needs this Python environment: run \(checkout.path)/Scripts/edge_venv.sh (Scripts/setup.sh does), or set export.verify: none")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [checkout.appendingPathComponent("Scripts/check_tflite.py").path, bundle.path, "--arena",
                             "--max-arena", String(maximumArenaBytes)]
        // The interpreter's C++ side prints allocation failures of the arena bisection on standard error: kept apart
        // (in a file, so neither pipe can fill up) and shown only when the check does not finish.
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("sensorfm-tflm-\(getpid())-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = output
        process.standardError = try? FileHandle(forWritingTo: errors)
        do { try process.run() } catch {
            throw RunError.io(path: python.path, "cannot start the TFLite Micro check: \(error.localizedDescription)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.last?.hasPrefix("check_tflite: ") == true else {
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            let tail = (lines + stderr.split(separator: "\n").map(String.init)).suffix(6)
            throw RunError.io(path: bundle.path, "the TFLite Micro check did not finish (exit \(process.terminationStatus)): \(tail.joined(separator: " | "))")
        }
        let arena = lines.first { $0.hasPrefix("smallest TFLite Micro arena: ") }
            .flatMap { Int($0.dropFirst("smallest TFLite Micro arena: ".count).split(separator: " ").first ?? "") }
        return RuntimeVerification(runtime: "TFLite Micro (PyPI tflite-micro)", passed: process.terminationStatus == 0 && lines.last == "check_tflite: ok",
                                   arenaBytes: arena, maximumArenaBytes: maximumArenaBytes,
                                   lines: lines.filter { $0.hasPrefix("ok ") || $0.hasPrefix("FAILED") })
    }
}
