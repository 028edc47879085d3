import Foundation
import SensorData

/// Fuzzes `DatasetManifest.decode(_:file:)` with mutated `manifest.json` files. An accepted manifest must
/// survive an encode/decode round trip to the same bytes.
struct DatasetManifestFuzzTarget: FuzzTarget {
    let name = "dataset-manifest"

    private static let seed = """
        {
          "format" : "sensorfm-windows",
          "labels" : [
            {"class_names" : ["sleep", "rest", "walk"], "kind" : "class", "name" : "activity"},
            {"kind" : "value", "name" : "heart_rate", "unit" : "bpm"}
          ],
          "modalities" : [
            {"channels" : ["ppg"], "mean" : [0.5], "name" : "ppg", "samples_per_window" : 1920, "sampling_rate" : 64, "std" : [1.5], "unit" : "a.u."},
            {"channels" : ["x", "y", "z"], "mean" : [0, 0, 1], "name" : "acc", "samples_per_window" : 960, "sampling_rate" : 32, "std" : [0.1, 0.1, "nan"], "unit" : "g"}
          ],
          "quality" : {
            "rejections" : {"ppg.flat" : 2},
            "thresholds" : {"flatRunSeconds" : 1, "maximumClippedFraction" : 0.05, "maximumFlatFraction" : 0.2, "maximumMissingFraction" : 0.1},
            "windows_considered" : 7, "windows_kept" : 5, "windows_rejected" : 2
          },
          "schema_version" : 1,
          "shards" : [
            {"bytes" : 1000, "file" : "shard-00000.safetensors", "sha256" : "00ff", "windows" : 3},
            {"bytes" : 800, "file" : "shard-00001.safetensors", "sha256" : "abcd", "windows" : 2}
          ],
          "source" : {"kind" : "synthetic", "seed" : "3"},
          "stride_seconds" : 10,
          "subjects" : ["syn001", "syn002"],
          "window_seconds" : 30,
          "windows" : 5
        }
        """

    private static let dictionary: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\u0000", "\\ud800", "null", "true", "-1", "0", "1e999", "\"nan\"", "\"inf\"",
        "\"class\"", "\"value\"", "\"/\"", "\".hidden\"", "9223372036854775808", "1.5", "[]", "{}",
    ].map { Array($0.utf8) } + [[0xFF], [0x00]]

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        var bytes = Array(Self.seed.utf8)
        if mutator.chance(0.6) {
            mutator.mutateBytes(&bytes, rounds: mutator.nextInt(in: 1...3), dictionary: Self.dictionary)
        } else {
            bytes = DataFuzzSupport.mutateText(Self.seed, using: &mutator)
        }
        return bytes
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        DataFuzzSupport.judge(label: label, input: input, { try DatasetManifest.decode(Data(input), file: label) }) { manifest in
            do {
                let encoded = try manifest.encoded()
                let again = try DatasetManifest.decode(encoded, file: label + " (re-encoded)")
                return try again.encoded() == encoded ? nil : "its re-encoding decodes to a different manifest"
            } catch {
                return "its re-encoding does not decode: \(error)"
            }
        }
    }
}
