import Foundation
import SensorData
import SensorPretrain
import SensorTensor

/// Encoder input for a batch of windows: the layout's patches and the missing-token mask.
///
/// As in pretraining, missing data is not imputed into the features: a modality the dataset lacks
/// and every patch holding a NaN become mask tokens. NaN samples are set to their channel's finite
/// mean within the window before the per-window z-score, so they cannot poison the statistics.
public struct EncoderInputs {
    /// Per modality [B, tokens_m, patchValues_m].
    public let patches: [Tensor]
    /// [B, T, 1] with 1 for missing tokens, or nil when nothing is missing.
    public let mask: Tensor?

    /// Checks that every modality of `layout` present in `windows` has the layout's sample count
    /// and channels.
    public static func validate(layout: PatchLayout, windows: WindowSet) throws(EvaluationError) {
        for modality in layout.modalities {
            guard let stored = windows.layout(modality.name) else { continue }
            guard stored.samplesPerWindow == modality.windowSamples, stored.channelCount == modality.channels else {
                throw .modalityMismatch("\(modality.name): the encoder expects \(modality.windowSamples) samples × \(modality.channels) channels per window, the dataset has \(stored.samplesPerWindow) × \(stored.channelCount)")
            }
        }
        guard layout.modalities.contains(where: { windows.layout($0.name) != nil }) else {
            throw .modalityMismatch("none of the encoder's modalities \(layout.modalities.map(\.name)) is in the dataset \(windows.modalities.map(\.name))")
        }
    }

    /// The windows at `indices` of `windows` (validated with `validate`).
    public init(layout: PatchLayout, windows: WindowSet, indices: [Int]) {
        let batch = indices.count
        var patches: [Tensor] = [], missing: [Tensor] = [], anyMissing = false
        for modality in layout.modalities {
            let patchShape = [batch, modality.tokenCount, modality.patchValues]
            guard let stored = windows.values[modality.name] else {
                patches.append(Tensor.zeros(patchShape))
                missing.append(Tensor.ones([batch, modality.tokenCount, 1]))
                anyMissing = true
                continue
            }
            let (raw, flags, hasMissing) = Self.gather(stored, modality: modality, indices: indices)
            patches.append(layout.patchifyModality(raw, modality: modality))
            missing.append(flags)
            anyMissing = anyMissing || hasMissing
        }
        self.patches = patches
        mask = anyMissing ? Tensor.concatenate(missing, axis: 1) : nil
    }

    /// [B, L, C] windows with NaN replaced by the window-channel mean of the finite samples, and
    /// the [B, tokens, 1] flags of patches that held a NaN.
    private static func gather(_ stored: [Float], modality: ModalityPatching, indices: [Int]) -> (Tensor, Tensor, Bool) {
        let samples = modality.windowSamples, channels = modality.channels, width = samples * channels
        let result = Tensor(uninitializedShape: [indices.count, samples, channels])
        let flags = Tensor.zeros([indices.count, modality.tokenCount, 1])
        var hasMissing = false
        stored.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                flags.withUnsafeMutableBufferPointer { flag in
                    for (b, index) in indices.enumerated() {
                        let from = source.baseAddress! + index * width, to = target.baseAddress! + b * width
                        to.update(from: from, count: width)
                        for c in 0..<channels {
                            var sum = 0.0, count = 0
                            for t in 0..<samples where to[t * channels + c].isFinite { sum += Double(to[t * channels + c]); count += 1 }
                            guard count < samples else { continue }
                            hasMissing = true
                            let fill = count > 0 ? Float(sum / Double(count)) : 0
                            for t in 0..<samples where !to[t * channels + c].isFinite {
                                to[t * channels + c] = fill
                                flag[b * modality.tokenCount + t / modality.patchSamples] = 1
                            }
                        }
                    }
                }
            }
        }
        return (result, flags, hasMissing)
    }
}

extension PatchLayout {
    /// `patchify` for one modality: [B, windowSamples, channels] -> [B, tokens, patchValues].
    func patchifyModality(_ window: Tensor, modality: ModalityPatching) -> Tensor {
        let single = PatchLayout(modalities: [modality])
        return single.patchify([window])[0]
    }
}
