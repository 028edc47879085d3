import Foundation
import SensorTensor

/// Measures how fast the loader delivers bench-small batches (see shared/bench/SPEC.md): 64 windows of
/// 30 s (PPG 1920 × 1, accelerometer 960 × 3, temperature 120 × 1), z-scored per window, with two views
/// each augmented by `Augmentation.contrastiveDefaults`, built by the prefetch thread.
public enum LoaderBenchmark {
    /// Batches per second over `batches` batches after one warm-up batch, consumed as fast as they come.
    /// The windows come from a small synthetic cohort (`subjects` × `minutes`), generated before timing.
    public static func run(batches: Int = 40, batchSize: Int = 64, subjects: Int = 2, minutes: Double = 30,
                           seed: UInt64 = 0) -> Double {
        precondition(batches > 0, "LoaderBenchmark.run: batches must be positive, got \(batches)")
        let cohort = SyntheticCohort.generate(.init(subjects: subjects, hours: minutes / 60, seed: seed,
                                                    schedule: .balanced(segmentSeconds: 120)))
        var windows: WindowSet
        do {
            windows = try WindowExtractor.emptySet(like: cohort[0], configuration: .standard)
            var report = WindowQualityReport()
            for recording in cohort { try WindowExtractor.extract(recording, configuration: .standard, into: &windows, report: &report) }
        } catch {
            preconditionFailure("LoaderBenchmark.run: the synthetic cohort lacks a standard modality: \(error)")
        }
        precondition(windows.windowCount >= batchSize, "LoaderBenchmark.run: only \(windows.windowCount) windows for batches of \(batchSize)")
        let loader = WindowLoader(windows: windows, configuration: .init(
            batchSize: batchSize, shuffle: true, dropLast: true, seed: seed, normalisation: .perWindow,
            augmentation: AugmentationPipeline(Augmentation.contrastiveDefaults), views: 2))
        var delivered = 0
        var epoch = 0
        var started: UInt64 = 0
        while delivered <= batches {
            for batch in loader.epoch(epoch) {
                precondition(batch.size == batchSize, "LoaderBenchmark.run: short batch")
                if delivered == 0 { started = DispatchTime.now().uptimeNanoseconds }
                delivered += 1
                if delivered > batches { break }
            }
            epoch += 1
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Double(batches) / seconds
    }
}
