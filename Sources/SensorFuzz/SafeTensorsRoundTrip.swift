import Foundation
import SafeTensors

/// `sensorfm-fuzz roundtrip DIR`: the Swift half of the cross-check with Python's `safetensors`.
/// Writes DIR/from-swift/NAME.safetensors plus NAME.json sidecars, then reads every
/// DIR/from-python/*.safetensors and compares it with its sidecar, written by
/// Scripts/safetensors_roundtrip.py. Sidecar: {"metadata": {k: v}, "tensors": {name: {"dtype": "F32",
/// "shape": [2, 3], "values": ["0.1", ...]}}}, values as decimal strings in row-major order.
enum SafeTensorsRoundTrip {
    static func run(folder: URL) -> Bool {
        do {
            let written = try writeFixtures(into: folder.appendingPathComponent("from-swift"))
            print("roundtrip: wrote \(written) files to \(folder.appendingPathComponent("from-swift").path)")
        } catch {
            print("roundtrip: FAILED writing fixtures: \(error)")
            return false
        }
        let pythonFolder = folder.appendingPathComponent("from-python")
        guard FileManager.default.fileExists(atPath: pythonFolder.path) else {
            print("roundtrip: \(pythonFolder.path) does not exist yet; nothing checked "
                + "(run python3 Scripts/safetensors_roundtrip.py \(folder.path), then this command again)")
            return true
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: pythonFolder.path)) ?? [])
            .filter { $0.hasSuffix(".safetensors") }.sorted()
        guard !files.isEmpty else {
            print("roundtrip: FAILED: \(pythonFolder.path) holds no .safetensors files")
            return false
        }
        var problems: [String] = []
        for file in files {
            let url = pythonFolder.appendingPathComponent(file)
            problems += check(url, sidecar: url.deletingPathExtension().appendingPathExtension("json"))
        }
        for problem in problems { print("roundtrip: MISMATCH \(problem)") }
        print("roundtrip: checked \(files.count) files from Python, \(problems.count) mismatches")
        return problems.isEmpty
    }

    private static func writeFixtures(into folder: URL) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for fixture in SafeTensorsRoundTripFixtures.fixtures {
            var file = SafeTensorsFile(metadata: fixture.metadata)
            var sidecarTensors: [String: Any] = [:]
            for (name, tensor) in fixture.tensors.sorted(by: { $0.key < $1.key }) {
                file[name] = SafeTensorsRoundTripFixtures.entry(tensor)
                sidecarTensors[name] = ["dtype": tensor.dtype.rawValue, "shape": tensor.shape, "values": tensor.values]
            }
            try file.write(to: folder.appendingPathComponent("\(fixture.name).safetensors"))
            let sidecar: [String: Any] = ["metadata": fixture.metadata, "tensors": sidecarTensors]
            let json = try JSONSerialization.data(withJSONObject: sidecar, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: folder.appendingPathComponent("\(fixture.name).json"), options: .atomic)
        }
        return SafeTensorsRoundTripFixtures.fixtures.count
    }

    /// Mismatches between a Python-written file and its sidecar, each naming the file and tensor.
    private static func check(_ url: URL, sidecar: URL) -> [String] {
        let label = url.lastPathComponent
        let file: SafeTensorsFile
        let expected: [String: Any]
        do {
            file = try SafeTensorsFile(contentsOf: url)
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any] else {
                return ["\(label): sidecar is not a JSON object"]
            }
            expected = object
        } catch {
            return ["\(label): \(error)"]
        }
        var problems: [String] = []
        let expectedMetadata = expected["metadata"] as? [String: String] ?? [:]
        if file.metadata != expectedMetadata {
            problems.append("\(label): metadata \(file.metadata) != expected \(expectedMetadata)")
        }
        let tensors = expected["tensors"] as? [String: [String: Any]] ?? [:]
        if Set(file.names) != Set(tensors.keys) {
            problems.append("\(label): tensors \(file.names.sorted()) != expected \(tensors.keys.sorted())")
        }
        for (name, description) in tensors.sorted(by: { $0.key < $1.key }) {
            guard let entry = file[name] else { continue }
            let where_ = "\(label) tensor '\(name)'"
            guard let dtypeName = description["dtype"] as? String, let dtype = SafeTensorsDType(rawValue: dtypeName),
                  let shape = description["shape"] as? [Int], let values = description["values"] as? [String]
            else {
                problems.append("\(where_): malformed sidecar entry")
                continue
            }
            if entry.dtype != dtype || entry.shape != shape {
                problems.append("\(where_): \(entry.dtype) \(entry.shape) != expected \(dtype) \(shape)")
                continue
            }
            let actual = (try? SafeTensorsRoundTripFixtures.valueStrings(of: entry)) ?? []
            let wanted = values.map { SafeTensorsRoundTripFixtures.canonical($0, dtype: dtype) ?? "unparsable '\($0)'" }
            if actual != wanted {
                problems.append("\(where_): values \(actual) != expected \(wanted)")
            }
        }
        return problems
    }
}
