import SensorTensor

/// How one modality's window is cut into tokens: `tokenCount` patches of `patchSamples` samples of
/// every channel (time-major, channels interleaved), each flattened to `patchSamples × channels` values.
public struct ModalityPatching: Sendable, Equatable {
    public var name: String
    public var channels: Int
    public var patchSamples: Int
    public var tokenCount: Int

    public init(name: String, channels: Int, patchSamples: Int, tokenCount: Int) {
        precondition(channels > 0 && patchSamples > 0 && tokenCount > 0,
                     "ModalityPatching \(name): channels, patch samples and token count must be positive")
        self.name = name
        self.channels = channels
        self.patchSamples = patchSamples
        self.tokenCount = tokenCount
    }

    /// Samples per channel in one window.
    public var windowSamples: Int { patchSamples * tokenCount }
    /// Values in one flattened patch.
    public var patchValues: Int { patchSamples * channels }
}

/// The token layout of a multimodal window: modalities in order, their tokens concatenated.
public struct PatchLayout: Sendable, Equatable {
    public var modalities: [ModalityPatching]

    public init(modalities: [ModalityPatching]) {
        precondition(!modalities.isEmpty, "PatchLayout: needs at least one modality")
        self.modalities = modalities
    }

    /// bench-small (shared/bench/SPEC.md): 30 s at E4 rates; PPG 1 s patches (64 values), accelerometer
    /// 1 s patches (32 × 3), temperature 5 s patches (20 values); 66 tokens.
    public static let benchSmall = PatchLayout(modalities: [
        ModalityPatching(name: "ppg", channels: 1, patchSamples: 64, tokenCount: 30),
        ModalityPatching(name: "acc", channels: 3, patchSamples: 32, tokenCount: 30),
        ModalityPatching(name: "temp", channels: 1, patchSamples: 20, tokenCount: 6),
    ])

    public var tokenCount: Int { modalities.reduce(0) { $0 + $1.tokenCount } }

    /// First token index of each modality.
    public var tokenOffsets: [Int] {
        var offsets: [Int] = []
        var running = 0
        for modality in modalities { offsets.append(running); running += modality.tokenCount }
        return offsets
    }

    /// For every token, the index of its modality.
    public var modalityOfToken: [Int] {
        modalities.enumerated().flatMap { index, modality in Array(repeating: index, count: modality.tokenCount) }
    }

    /// Z-scores each channel within each window and cuts it into patches.
    ///
    /// windows[m]: [B, windowSamples, channels] -> [B, tokenCount, patchValues]. Inputs, not parameters:
    /// no graph is recorded. A flat channel (std 0) becomes zeros rather than NaN (the 1e-6 guard).
    public func patchify(_ windows: [Tensor]) -> [Tensor] {
        precondition(windows.count == modalities.count,
                     "patchify: \(windows.count) modality tensors for \(modalities.count) modalities")
        return zip(modalities, windows).map { modality, window in
            precondition(window.rank == 3 && window.shape[1] == modality.windowSamples && window.shape[2] == modality.channels,
                         "patchify \(modality.name): expected [B, \(modality.windowSamples), \(modality.channels)], got \(window.shape)")
            return Self.standardized(window).reshaped([window.shape[0], modality.tokenCount, modality.patchValues])
        }
    }

    /// Per (window, channel) z-score over time, computed in Double for accuracy.
    static func standardized(_ window: Tensor) -> Tensor {
        let batch = window.shape[0], samples = window.shape[1], channels = window.shape[2]
        let result = Tensor(uninitializedShape: window.shape)
        window.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for b in 0..<batch {
                    let base = b * samples * channels
                    for c in 0..<channels {
                        var sum = 0.0, sumOfSquares = 0.0
                        for t in 0..<samples {
                            let value = Double(source[base + t * channels + c])
                            sum += value
                            sumOfSquares += value * value
                        }
                        let mean = sum / Double(samples)
                        let deviation = max(sumOfSquares / Double(samples) - mean * mean, 0).squareRoot()
                        let scale = Float(1 / (deviation + 1e-6)), shift = Float(mean)
                        for t in 0..<samples {
                            target[base + t * channels + c] = (source[base + t * channels + c] - shift) * scale
                        }
                    }
                }
            }
        }
        return result
    }
}
