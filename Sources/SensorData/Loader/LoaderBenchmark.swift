import Foundation
import SensorTensor

/// Measures how fast the loader delivers bench-small batches (see shared/bench/SPEC.md): 64 windows of
/// 30 s (PPG 1920 × 1, accelerometer 960 × 3, temperature 120 × 1), z-scored per window, built by the
/// prefetch thread, in the two workloads the objectives consume.
public enum LoaderBenchmark {
    /// What one training step consumes.
    public enum Workload: String, Sendable, CaseIterable {
        /// Objective A (masked reconstruction): one un-augmented view per window; masking happens in the model.
        case singleView = "A"
        /// Objective B (contrastive): two views per window, each augmented by `Augmentation.contrastiveDefaults`.
        case augmentedPair = "B"

        var views: Int { self == .singleView ? 1 : 2 }
        var augmentation: AugmentationPipeline? {
            self == .singleView ? nil : AugmentationPipeline(Augmentation.contrastiveDefaults)
        }
    }

    /// The windows of a small synthetic cohort (`subjects` × `minutes`), cut as bench-small's.
    public static func windows(subjects: Int = 2, minutes: Double = 30, seed: UInt64 = 0) -> WindowSet {
        let cohort = SyntheticCohort.generate(.init(subjects: subjects, hours: minutes / 60, seed: seed,
                                                    schedule: .balanced(segmentSeconds: 120)))
        do {
            var windows = try WindowExtractor.emptySet(like: cohort[0], configuration: .standard)
            var report = WindowQualityReport()
            for recording in cohort { try WindowExtractor.extract(recording, configuration: .standard, into: &windows, report: &report) }
            return windows
        } catch {
            preconditionFailure("LoaderBenchmark.windows: the synthetic cohort lacks a standard modality: \(error)")
        }
    }

    /// Batches per second of `workload` over `batches` batches after one warm-up batch, consumed as fast
    /// as they come.
    public static func run(_ workload: Workload, windows: WindowSet, batches: Int = 40, batchSize: Int = 64,
                           seed: UInt64 = 0) -> Double {
        precondition(batches > 0, "LoaderBenchmark.run: batches must be positive, got \(batches)")
        precondition(windows.windowCount >= batchSize, "LoaderBenchmark.run: only \(windows.windowCount) windows for batches of \(batchSize)")
        let loader = WindowLoader(windows: windows, configuration: .init(
            batchSize: batchSize, shuffle: true, dropLast: true, seed: seed, normalisation: .perWindow,
            augmentation: workload.augmentation, views: workload.views))
        var delivered = 0
        var epoch = 0
        var started: UInt64 = 0
        while delivered <= batches {
            for batch in loader.epoch(epoch) {
                precondition(batch.size == batchSize && batch.views.count == workload.views, "LoaderBenchmark.run: short batch")
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
