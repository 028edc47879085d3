import SensorData
import SensorTensor

/// One batch of pretraining input, modalities in the encoder layout's order.
///
/// Missing data is never imputed: a modality that is `nil` (absent from the batch) and every patch
/// that holds a NaN are replaced by the encoder's mask token, and they are excluded from
/// reconstruction targets (LSM-2's "inherited" mask).
public struct PretrainingBatch {
    /// Per modality: [B, windowSamples, channels] raw signals, or nil when the modality is absent. The
    /// view masked reconstruction and cross-modal alignment read; un-augmented when `contrastiveView` is set.
    public var windows: [Tensor?]
    /// The first view of the contrastive pair when it differs from `windows` (an augmented view next to
    /// the plain one); nil when the contrastive objectives read `windows` as their first view.
    public var contrastiveView: [Tensor?]?
    /// A second augmented view of the same windows (same layout), for SimCLR and the momentum target.
    public var secondView: [Tensor?]?
    /// [B] subject of each window, for subject-aware positives.
    public var subjects: [String]
    /// Which rows of a larger global batch these are (data-parallel training); nil for a whole batch.
    public var shard: BatchShard?
    /// With `shard`: the job's ranks, over which the contrastive objectives gather their rows so that
    /// negatives, positives and KoLeo see the global batch (see `GlobalBatch`).
    public var exchange: (any RowExchange)?
    /// With `exchange`: the subject of every window of the global batch, in global row order.
    public var globalSubjects: [String]?

    public init(windows: [Tensor?], contrastiveView: [Tensor?]? = nil, secondView: [Tensor?]? = nil, subjects: [String]) {
        let sizes = (windows + (contrastiveView ?? []) + (secondView ?? [])).compactMap { $0?.shape.first }
        precondition(!sizes.isEmpty, "PretrainingBatch: every modality is absent, so the batch size is unknown")
        precondition(sizes.allSatisfy { $0 == sizes[0] } && subjects.count == sizes[0],
                     "PretrainingBatch: batch sizes \(sizes) and \(subjects.count) subjects must agree")
        if let secondView {
            precondition(secondView.count == windows.count,
                         "PretrainingBatch: second view has \(secondView.count) modalities, first view \(windows.count)")
        }
        if let contrastiveView {
            precondition(contrastiveView.count == windows.count && secondView != nil,
                         "PretrainingBatch: a contrastive view needs the modalities of the first view and a second view")
        }
        self.windows = windows
        self.contrastiveView = contrastiveView
        self.secondView = secondView
        self.subjects = subjects
    }

    /// A loader batch with modalities looked up by the layout's names (a name missing from the batch
    /// is an absent modality). One view: `windows`. Two: `windows` and `secondView` (both augmented).
    /// Three: the plain `windows`, then the augmented `contrastiveView` and `secondView`.
    public init(_ batch: Batch, layout: PatchLayout) {
        func ordered(_ view: [String: Tensor]) -> [Tensor?] { layout.modalities.map { view[$0.name] } }
        let views = batch.views.map(ordered)
        precondition((1...3).contains(views.count), "PretrainingBatch: \(views.count) views; expected 1, 2 or 3")
        self.init(windows: views[0], contrastiveView: views.count == 3 ? views[1] : nil,
                  secondView: views.count > 1 ? views.last : nil, subjects: batch.subjects)
    }

    public var size: Int { subjects.count }
}

/// One view cut into patches, with the tokens that carry no data.
struct PreparedView {
    /// Per modality [B, tokens_m, patchValues_m]; zeros where data is missing.
    let patches: [Tensor]
    /// Per modality [B, tokens_m, 1]: 1 where the token is missing (absent modality or NaN in the patch).
    let missing: [Tensor]
    let hasMissing: Bool

    /// [B, T, 1]: missing tokens of all modalities, or nil when none is missing.
    var missingTokens: Tensor? { hasMissing ? Tensor.concatenate(missing, axis: 1) : nil }

    /// Z-scores and patchifies `windows` (see `PatchLayout.patchify`); windows without NaN take
    /// exactly that path, the others are standardised over their finite values only.
    init(layout: PatchLayout, windows: [Tensor?], batch: Int) {
        precondition(windows.count == layout.modalities.count,
                     "PreparedView: \(windows.count) modality tensors for \(layout.modalities.count) modalities")
        var patches: [Tensor] = [], missing: [Tensor] = [], hasMissing = false
        for (modality, window) in zip(layout.modalities, windows) {
            let tokenShape = [batch, modality.tokenCount, 1], patchShape = [batch, modality.tokenCount, modality.patchValues]
            guard let window else {
                patches.append(Tensor.zeros(patchShape))
                missing.append(Tensor.ones(tokenShape))
                hasMissing = true
                continue
            }
            precondition(window.shape == [batch, modality.windowSamples, modality.channels],
                         "PretrainingBatch \(modality.name): expected [\(batch), \(modality.windowSamples), \(modality.channels)], got \(window.shape)")
            let finite = window.withUnsafeBufferPointer { values in values.allSatisfy { $0.isFinite } }
            if finite {
                patches.append(PatchLayout.standardized(window).reshaped(patchShape))
                missing.append(Tensor.zeros(tokenShape))
            } else {
                let (standardized, missingTokens) = Self.standardizedSkippingMissing(window, modality: modality)
                patches.append(standardized.reshaped(patchShape))
                missing.append(missingTokens)
                hasMissing = true
            }
        }
        self.patches = patches
        self.missing = missing
        self.hasMissing = hasMissing
    }

    /// Per (window, channel) z-score over the finite samples; non-finite samples become 0 and mark
    /// their patch missing. window [B, L, C] -> ([B, L, C], missing [B, tokens, 1]).
    static func standardizedSkippingMissing(_ window: Tensor, modality: ModalityPatching) -> (Tensor, Tensor) {
        let batch = window.shape[0], samples = window.shape[1], channels = window.shape[2]
        let result = Tensor(uninitializedShape: window.shape)
        let missing = Tensor.zeros([batch, modality.tokenCount, 1])
        window.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                missing.withUnsafeMutableBufferPointer { flags in
                    for b in 0..<batch {
                        let base = b * samples * channels
                        for c in 0..<channels {
                            var sum = 0.0, sumOfSquares = 0.0, count = 0
                            for t in 0..<samples where source[base + t * channels + c].isFinite {
                                let value = Double(source[base + t * channels + c])
                                sum += value
                                sumOfSquares += value * value
                                count += 1
                            }
                            let mean = count > 0 ? sum / Double(count) : 0
                            let variance = count > 0 ? max(sumOfSquares / Double(count) - mean * mean, 0) : 0
                            let scale = Float(1 / (variance.squareRoot() + 1e-6)), shift = Float(mean)
                            for t in 0..<samples {
                                let value = source[base + t * channels + c]
                                if value.isFinite {
                                    target[base + t * channels + c] = (value - shift) * scale
                                } else {
                                    target[base + t * channels + c] = 0
                                    flags[b * modality.tokenCount + t / modality.patchSamples] = 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return (result, missing)
    }
}
