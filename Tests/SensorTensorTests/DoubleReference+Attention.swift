import Foundation

/// Attention, per (batch, head) pair: softmax_j(scale·q_t·k_j + mask_tj) weighted sum of v_j.
///
/// Legend: B batch, H heads, T queries, S keys, Dh query/key width, Dv value width, D = H·Dh.
extension DoubleReference {
    /// query [B, H, T, Dh], key [B, H, S, Dh], value [B, H, S, Dv] -> [B, H, T, Dv]; the additive
    /// mask is [T, S] or [B | 1, H | 1, T, S] (broadcast), scale 1/√Dh unless given.
    static func scaledDotProductAttention(query: DoubleTensor, key: DoubleTensor, value: DoubleTensor,
                                          mask: DoubleTensor? = nil, scale: Double? = nil) -> DoubleTensor {
        let (b, h, t, dh) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let s = key.shape[2], dv = value.shape[3]
        let scale = scale ?? 1 / Double(dh).squareRoot()
        var output = DoubleTensor(shape: [b, h, t, dv], values: [Double](repeating: 0, count: b * h * t * dv))
        for bi in 0..<b { for hi in 0..<h { for ti in 0..<t {
            var scores = (0..<s).map { j in
                (0..<dh).reduce(0.0) { $0 + query[[bi, hi, ti, $1]] * key[[bi, hi, j, $1]] } * scale
            }
            if let mask {
                for j in 0..<s { scores[j] += mask.broadcastElement([bi, hi, ti, j]) }
            }
            let top = scores.max()!
            let weights = scores.map { Foundation.exp($0 - top) }
            let total = weights.reduce(0, +)
            for d in 0..<dv {
                output[[bi, hi, ti, d]] = (0..<s).reduce(0.0) { $0 + weights[$1] / total * value[[bi, hi, $1, d]] }
            }
        } } }
        return output
    }

    /// Self-attention from a packed projection qkv [B, T, 3·D] (per token: queries, keys, values,
    /// each H heads of Dh) -> [B, T, D] with the heads side by side.
    static func packedSelfAttention(qkv: DoubleTensor, headCount: Int, mask: DoubleTensor? = nil, scale: Double? = nil) -> DoubleTensor {
        let (b, t, d) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        // [B, T, 3, H, Dh] -> three [B, H, T, Dh] tensors.
        let heads = permute(reshape(qkv, [b, t, 3, headCount, d / headCount]), [2, 0, 3, 1, 4])
        let parts = (0..<3).map { squeeze(slice(heads, axis: 0, range: $0..<($0 + 1)), axis: 0) }
        let attended = scaledDotProductAttention(query: parts[0], key: parts[1], value: parts[2], mask: mask, scale: scale)
        return reshape(permute(attended, [0, 2, 1, 3]), [b, t, d])
    }
}
