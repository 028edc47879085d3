import Foundation
@testable import SensorRun

/// A microscopic experiment: 3 synthetic subjects × 3 minutes (cached once per test process), an
/// 8-dimensional one-block encoder, batch 4. `extra` lines are appended to the YAML (later keys must
/// not repeat earlier ones, so tests override through `overrides`).
enum RunTestSupport {
    static let cache = FileManager.default.temporaryDirectory
        .appendingPathComponent("sensorrun-tests-\(getpid())/cohorts")

    static let yaml = """
        name: tiny
        seed: 3
        threads: 1
        model:
          dimensions: 8
          depth: 1
          heads: 2
          feed_forward: 16
          patches: {ppg: 1, acc: 1, temp: 5}
        objectives:
          - kind: masked_reconstruction
            mask_ratio: 0.5
          - kind: contrastive
            weight: 0.5
            projection_dimensions: 8
            augmentations: default
        data:
          synthetic: {subjects: 3, hours: 0.05, seed: 1}
        windowing: {window_seconds: 30, stride_seconds: 10}
        split: {validation_fraction: 0.34, seed: 0}
        optimizer: {name: adamw, lr: 3e-3, clip_norm: 1.0}
        schedule: {kind: cosine, warmup_steps: 2}
        training:
          batch_size: 4
          steps: 6
          checkpoint_interval: 3
          keep_last: 2
          log_interval: 2
          validation_interval: 3
          validation_batches: 1
        """

    /// A fresh temporary folder.
    static func temporaryDirectory(_ label: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sensorrun-\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` as `name` in a fresh folder and returns the file.
    static func writeConfig(_ text: String, name: String = "tiny.yaml") -> URL {
        let url = temporaryDirectory("config").appendingPathComponent(name)
        try? text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The tiny configuration with `overrides`, its cohort cached under `cache`.
    static func configuration(_ overrides: [String] = []) throws -> RunConfiguration {
        try RunConfiguration.load(file: writeConfig(yaml), overrides: overrides,
                                  environment: [RunConfiguration.cacheEnvironmentVariable: cache.path])
    }

    /// A logger that writes nowhere visible (tests).
    static let sink = RunLogSink(interactive: false, logFile: FileManager.default.temporaryDirectory
        .appendingPathComponent("sensorrun-tests-\(getpid()).log"))
}
