import Foundation
import SensorEdge

/// The export stage: the distill run's int8 student as `tflite/` (model.tflite + model_card.json) and `c/`
/// (sensorfm_model.c/.h, sensorfm_kernels.h + model_card.json), checked to be the graph the distill run measured
/// (the .tflite bytes equal its verification bundle's), then verified in TFLite Micro. Everything is written to a
/// hidden sibling folder renamed into place at the end, so the stage folder exists only when complete.
enum ExportStage {
    static func run(distill: URL, settings: PipelineConfiguration.ExportSettings, to folder: URL,
                    near places: [URL], log: (String) -> Void) throws -> RuntimeVerification? {
        let temporary = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial")
        try? FileManager.default.removeItem(at: temporary)
        do { try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true) } catch {
            throw RunError.io(path: temporary.path, "cannot create: \(error.localizedDescription)")
        }
        for format in settings.formats {
            try StudentExport.write(runDirectory: distill, format: format == "c" ? .c : .tflite, to: temporary.appendingPathComponent(format))
            log("export: wrote \(format) to \(folder.appendingPathComponent(format).path)")
        }
        let bundle = distill.appendingPathComponent("verification")
        if settings.formats.contains("tflite") {
            let exported = FileManager.default.contents(atPath: temporary.appendingPathComponent("tflite/model.tflite").path)
            guard exported != nil, exported == FileManager.default.contents(atPath: bundle.appendingPathComponent("model.tflite").path) else {
                throw RunError.io(path: temporary.path, "the exported model.tflite differs from the graph the distill run measured (\(bundle.path)/model.tflite)")
            }
        }
        var verification: RuntimeVerification?
        if settings.verify == "tflite_micro" {
            let device = try deviceProfile(distill)
            log("export: replaying \(bundle.path) in TFLite Micro (arena limit \(device.arenaBytes) B)")
            let result = try RuntimeVerification.run(bundle: bundle, maximumArenaBytes: device.arenaBytes, near: places)
            for line in result.lines { log("export: \(line)") }
            guard result.passed else {
                throw RunError.io(path: bundle.path, "the student does not pass the TFLite Micro check: \(result.lines.filter { $0.hasPrefix("FAILED") }.joined(separator: "; "))")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try RunFolder.writeAtomically(try encoder.encode(result) + Data("\n".utf8),
                                          to: temporary.appendingPathComponent(RuntimeVerification.fileName))
            verification = result
        }
        do { try FileManager.default.moveItem(at: temporary, to: folder) } catch {
            throw RunError.io(path: folder.path, "cannot move the export into place: \(error.localizedDescription)")
        }
        return verification
    }

    /// The device profile the distill run measured its student against.
    static func deviceProfile(_ distill: URL) throws -> DeviceProfile {
        let meta = FileManager.default.contents(atPath: distill.appendingPathComponent("meta.json").path)
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        guard let path = meta?["device"] as? String else {
            throw RunError.notARun(path: distill.path, "its meta.json names no device profile")
        }
        do { return try DeviceProfile.load(URL(fileURLWithPath: path)) } catch {
            throw RunError.io(path: path, "cannot read the device profile: \(error)")
        }
    }
}
