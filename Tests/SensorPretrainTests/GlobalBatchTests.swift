import Testing
@testable import SensorPretrain
import SensorNN
import SensorTensor

@Suite struct GlobalBatchTests {
    /// Rank `rank` of `size`, where every other rank holds `others[r]` (rows of the same width).
    final class FixedExchange: RowExchange {
        let rank: Int, size: Int
        let others: [Int: [Float]]
        init(rank: Int, size: Int, others: [Int: [Float]]) { self.rank = rank; self.size = size; self.others = others }
        func allGather(_ local: [Float]) -> [Float] { (0..<size).flatMap { $0 == rank ? local : others[$0]! } }
    }

    /// Rank 1 of 3 with 2 rows of width 2: its rows land at 2..<4, the others' rows around them; the
    /// upstream gradient reaches only its own rows, times 3 (the averager divides by 3 again).
    @Test func gatherPlacesRowsByRankAndScalesTheOwnGradient() {
        let local = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let exchange = FixedExchange(rank: 1, size: 3, others: [0: [10, 11, 12, 13], 2: [20, 21, 22, 23]])
        let global = GlobalBatch.gather(local, exchange: exchange)
        #expect(global.shape == [6, 2])
        #expect(global.scalars == [10, 11, 12, 13, 1, 2, 3, 4, 20, 21, 22, 23])
        let upstream = Tensor(shape: [6, 2], scalars: (0..<12).map { Float($0) })
        (global * upstream).sum().backward()
        #expect(local.grad?.scalars == [12, 15, 18, 21])
    }

    /// NT-Xent on the gathered matrix, differentiated on each of 2 simulated ranks and divided by 2 as the
    /// gradient averager does, equals the gradient of one process over the whole batch row by row.
    @Test func averagedRankGradientsOfNTXentEqualTheWholeBatchGradient() {
        var generator = RandomGenerator(seed: 5)
        let first = Tensor.normal([4, 3], generator: &generator), second = Tensor.normal([4, 3], generator: &generator)
        func wholeBatchGradient() -> [Float] {
            let rows = Tensor.concatenate([first, second], axis: 0).detached()
            rows.requiresGrad = true
            Loss.ntXent(rows, temperature: 0.5).backward()
            return rows.grad!.scalars
        }
        // Rank r holds windows 2r, 2r + 1 of both views.
        func rankGradient(_ rank: Int) -> [Float] {
            let own = Tensor.concatenate([first.sliced(axis: 0, range: (2 * rank)..<(2 * rank + 2)),
                                          second.sliced(axis: 0, range: (2 * rank)..<(2 * rank + 2))], axis: 0).detached()
            own.requiresGrad = true
            let other = 1 - rank
            let viewExchange = { (view: Tensor) in
                FixedExchange(rank: rank, size: 2, others: [other: view.sliced(axis: 0, range: (2 * other)..<(2 * other + 2)).scalars])
            }
            let global = Tensor.concatenate([
                GlobalBatch.gather(own.sliced(axis: 0, range: 0..<2), exchange: viewExchange(first)),
                GlobalBatch.gather(own.sliced(axis: 0, range: 2..<4), exchange: viewExchange(second)),
            ], axis: 0)
            Loss.ntXent(global, temperature: 0.5).backward()
            return own.grad!.scalars
        }
        let whole = wholeBatchGradient()
        let ranks = [rankGradient(0), rankGradient(1)].map { $0.map { $0 / 2 } }
        // Rows of the whole batch: view 1 windows 0-3, view 2 windows 0-3; rank r's rows: v1 2r, 2r+1, v2 2r, 2r+1.
        for rank in 0..<2 {
            for (slot, row) in [2 * rank, 2 * rank + 1, 4 + 2 * rank, 4 + 2 * rank + 1].enumerated() {
                for k in 0..<3 {
                    #expect(abs(ranks[rank][slot * 3 + k] - whole[row * 3 + k]) < 1e-6, "rank \(rank) row \(row) value \(k)")
                }
            }
        }
    }
}
