/// The rows one data-parallel rank holds of a global batch: `rows` of `globalSize` windows.
///
/// Per-window random draws (masks) are made for the whole global batch in its row order and the
/// shard keeps its own rows, so a window gets the same draws whichever rank holds it, and N ranks
/// with B/N rows each see exactly the masks one process with B rows sees.
public struct BatchShard: Sendable, Equatable {
    public let rows: Range<Int>
    public let globalSize: Int

    public init(rows: Range<Int>, globalSize: Int) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= globalSize && !rows.isEmpty,
                     "BatchShard: rows \(rows) must be a non-empty part of 0..<\(globalSize)")
        self.rows = rows
        self.globalSize = globalSize
    }

    /// Rank `rank`'s equal part of a batch of `globalSize` over `ranks` (which must divide it).
    public init(rank: Int, of ranks: Int, globalSize: Int) {
        precondition(ranks > 0 && globalSize % ranks == 0 && (0..<ranks).contains(rank),
                     "BatchShard: \(ranks) ranks must divide the batch of \(globalSize) and rank \(rank) be one of them")
        let size = globalSize / ranks
        self.init(rows: (rank * size)..<((rank + 1) * size), globalSize: globalSize)
    }
}
