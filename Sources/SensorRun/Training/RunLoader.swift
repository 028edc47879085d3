import SensorData
import SensorPretrain

/// The batches of a run: what `RunObjectives.loaderViews` asks for, from one or two `WindowLoader`s over
/// the same windows with the same seed (so the same windows in the same order): an un-augmented view
/// for the objectives that reconstruct or compare modalities, and two augmented views for the ones that
/// contrast views. When both are needed a batch holds three views (plain, augmented, augmented), the
/// order `PretrainingBatch.init(_:layout:)` reads.
///
/// Why two loaders: `WindowLoader` augments every view it makes or none. Masked reconstruction must
/// reconstruct the recorded signal, not a cropped, warped, partly zeroed copy of it, while NT-Xent needs
/// the augmentations; the plain view costs one copy and normalisation per window.
final class RunLoader: Sendable {
    let plain: WindowLoader?
    let augmented: WindowLoader?

    init(windows: WindowSet, views: RunObjectives.LoaderViews, batchSize: Int, seed: UInt64, prefetchDepth: Int = 4) {
        func loader(_ augmentation: AugmentationPipeline?, views: Int) -> WindowLoader {
            WindowLoader(windows: windows, configuration: .init(
                batchSize: batchSize, shuffle: true, dropLast: true, seed: seed, normalisation: .perWindow,
                augmentation: augmentation, views: views, prefetchDepth: prefetchDepth))
        }
        plain = views.plain ? loader(nil, views: 1) : nil
        augmented = views.augmentation.map { loader($0, views: 2) }
        precondition(plain != nil || augmented != nil, "RunLoader: no view requested")
    }

    var batchesPerEpoch: Int { (plain ?? augmented)!.batchesPerEpoch }

    /// Batch `index` of `epoch` (only `rows` of it for one data-parallel rank): the plain view first,
    /// then the augmented ones.
    func batch(epoch: Int, index: Int, rows: Range<Int>? = nil) -> Batch {
        func make(_ loader: WindowLoader) -> Batch {
            rows.map { loader.batch(epoch: epoch, index: index, rows: $0) } ?? loader.batch(epoch: epoch, index: index)
        }
        guard let plain else { return make(augmented!) }
        var batch = make(plain)
        if let augmented {
            let views = make(augmented)
            precondition(views.windowIndices == batch.windowIndices, "RunLoader: the two loaders disagree on the windows")
            batch.views += views.views
        }
        return batch
    }
}
