import SensorTensor

/// Draws the artificial token masks of a masking strategy.
///
/// Each result holds one mask per modality, [B, tokens_m, 1] with 1 where the token is hidden.
public enum TokenMasking {
    /// Masks for `batch` windows of `layout` under `strategy`, drawn from `generator`. With a `shard`,
    /// the draws are made for its whole global batch and the masks of its `rows` are returned.
    public static func masks(_ strategy: MaskingStrategy, layout: PatchLayout, batch: Int, shard: BatchShard? = nil,
                             generator: inout RandomGenerator) -> [Tensor] {
        if let shard {
            precondition(shard.rows.count == batch, "TokenMasking: shard of \(shard.rows.count) rows for a batch of \(batch)")
            let global = masks(strategy, layout: layout, batch: shard.globalSize, generator: &generator)
            return global.map { $0.sliced(axis: 0, range: shard.rows).detached() }
        }
        let modalities = layout.modalities
        var values = modalities.map { [Float](repeating: 0, count: batch * $0.tokenCount) }
        switch strategy {
        case .random(let ratio):
            for (index, modality) in modalities.enumerated() {
                let tokens = modality.tokenCount, hidden = spanLength(tokens: tokens, ratio: ratio)
                for row in 0..<batch {
                    for position in generator.permutation(tokens).prefix(hidden) { values[index][row * tokens + position] = 1 }
                }
            }
        case .temporalBlock(let ratio):
            for (index, modality) in modalities.enumerated() {
                let tokens = modality.tokenCount, hidden = spanLength(tokens: tokens, ratio: ratio)
                for row in 0..<batch {
                    let start = generator.nextInt(below: tokens - hidden + 1)
                    for position in start..<(start + hidden) { values[index][row * tokens + position] = 1 }
                }
            }
        case .forecast(let ratio):
            for (index, modality) in modalities.enumerated() {
                let tokens = modality.tokenCount, hidden = spanLength(tokens: tokens, ratio: ratio)
                for row in 0..<batch {
                    for position in (tokens - hidden)..<tokens { values[index][row * tokens + position] = 1 }
                }
            }
        case .modality(let target):
            let fixed = target.map { name in
                guard let index = modalities.firstIndex(where: { $0.name == name }) else {
                    preconditionFailure("TokenMasking: unknown modality \(name) (layout has \(modalities.map(\.name)))")
                }
                return index
            }
            for row in 0..<batch {
                let index = fixed ?? generator.nextInt(below: modalities.count)
                let tokens = modalities[index].tokenCount
                for position in 0..<tokens { values[index][row * tokens + position] = 1 }
            }
        }
        return zip(modalities, values).map { modality, mask in
            Tensor(shape: [batch, modality.tokenCount, 1], scalars: mask)
        }
    }

    /// ⌊tokens · ratio⌋ hidden tokens, at least one.
    static func spanLength(tokens: Int, ratio: Float) -> Int {
        precondition(ratio > 0 && ratio < 1, "TokenMasking: ratio \(ratio) must be in (0, 1)")
        return min(tokens, max(1, Int(Float(tokens) * ratio)))
    }
}
