import SensorTensor

/// The data-parallel job as the contrastive objectives see it: an all-gather of equal-sized row blocks.
/// SensorRun implements it over its `Communicator` (MPI_Allgather); a failure there ends the job, so
/// the call does not throw.
public protocol RowExchange: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Every rank's `local` values concatenated in rank order (size × local.count); collective.
    func allGather(_ local: [Float]) -> [Float]
}

/// Gathers per-rank rows into the global batch, so that a loss coupling windows (NT-Xent's negatives,
/// subject positives, KoLeo's nearest neighbours) sees the same B rows on N ranks as in one process.
///
/// Gradients: every rank computes the same loss L on the same global matrix G, and differentiates it
/// only through its own rows (the other ranks' rows are constants here). The gradient averager then
/// takes the mean over ranks of each rank's gradient, so the own rows' gradient is scaled by N in
/// backward: mean_r N · (∂L/∂G_r)(∂G_r/∂θ) = Σ_r (∂L/∂G_r)(∂G_r/∂θ) = ∂L/∂θ, exactly one process's
/// gradient. The objectives that only average over their own rows (masked reconstruction) need none
/// of this: their per-rank means average to the global mean.
public enum GlobalBatch {
    /// local [b, ...] → [N·b, ...]: rank r's rows at r·b..<(r + 1)·b. Without `exchange`, `local`.
    static func gather(_ local: Tensor, exchange: (any RowExchange)?) -> Tensor {
        guard let exchange, exchange.size > 1 else { return local }
        let rows = local.shape[0], rest = Array(local.shape.dropFirst())
        let values = local.detached()
        let all = exchange.allGather(values.scalars)
        let ranks = exchange.size, rank = exchange.rank
        precondition(all.count == ranks * local.count, "GlobalBatch.gather: \(all.count) values from \(ranks) ranks of \(local.count)")
        guard local.requiresGrad && GradMode.isEnabled else { return Tensor(shape: [ranks * rows] + rest, scalars: all) }
        // Forward value exactly `values` (x − x is exactly 0); derivative N with respect to `local`.
        let own = values + (local - values) * Float(ranks)
        let rowWidth = local.count / max(rows, 1)
        var parts: [Tensor] = []
        if rank > 0 { parts.append(Tensor(shape: [rank * rows] + rest, scalars: Array(all[0..<(rank * rows * rowWidth)]))) }
        parts.append(own)
        if rank < ranks - 1 {
            parts.append(Tensor(shape: [(ranks - rank - 1) * rows] + rest,
                                scalars: Array(all[((rank + 1) * rows * rowWidth)...])))
        }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, axis: 0)
    }

    /// Flags (or any small per-row numbers) of every rank, in rank order.
    static func gather(_ local: [Float], exchange: (any RowExchange)?) -> [Float] {
        guard let exchange, exchange.size > 1 else { return local }
        return exchange.allGather(local)
    }
}
