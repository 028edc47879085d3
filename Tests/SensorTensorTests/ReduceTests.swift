import Testing
@testable import SensorTensor

@Suite struct ReduceTests {
    /// [[1, 2, 3], [4, 5, 6]]
    static func matrix(requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: requiresGrad)
    }

    /// Distinct values 0.3 apart, so no reduced group holds a tie for its extremum.
    static func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        let count = Shape.count(shape)
        return Tensor(shape: shape, scalars: generator.permutation(count).map { Float($0) * 0.3 - 1 })
    }

    @Test func sumOverEachAxisAndAll() {
        let x = Self.matrix()
        let total = x.sum()
        #expect(total.shape == [] && total.item == 21)
        #expect(x.sum(axes: [0]).shape == [3] && x.sum(axes: [0]).scalars == [5, 7, 9])
        #expect(x.sum(axes: [1]).scalars == [6, 15])
        let kept = x.sum(axes: [-1], keepDims: true)
        #expect(kept.shape == [2, 1] && kept.scalars == [6, 15])
        let keptAll = x.sum(keepDims: true)
        #expect(keptAll.shape == [1, 1] && keptAll.scalars == [21])
        #expect(x.sum(axes: []).scalars == x.scalars)
    }

    @Test func sumOverNonAdjacentAxes() {
        // x[i, j, k] = 1 + 6i + 2j + k; Σ over i, k = 18 + 8j.
        let x = Tensor(shape: [2, 3, 2], scalars: (1...12).map(Float.init))
        let y = x.sum(axes: [0, 2])
        #expect(y.shape == [3] && y.scalars == [18, 26, 34])
        let kept = x.sum(axes: [2, -3], keepDims: true)
        #expect(kept.shape == [1, 3, 1] && kept.scalars == [18, 26, 34])
    }

    @Test func sumAccumulatesInDouble() {
        // In Float, 2²⁴ + 1 rounds back to 2²⁴; a Double accumulator keeps every unit.
        let values: [Float] = [16_777_216, 1, 1, 1, 1]
        #expect(Tensor(shape: [5], scalars: values).sum().item == 16_777_220)
        #expect(Tensor(shape: [5, 1], scalars: values).sum(axes: [0]).item == 16_777_220)
    }

    @Test func longLeadingAndTrailingSumsMatchDoubleReference() {
        // [20000, 3] -> [3] runs the segmented leading-axis path; [3, 20000] -> [3] the row path.
        let rows = 20000, columns = 3
        let values = (0..<(rows * columns)).map { Float(($0 * 7919) % 1000) * 0.001 + 0.1 }
        var columnTotals = [Double](repeating: 0, count: columns), rowTotals = [Double](repeating: 0, count: columns)
        for index in 0..<values.count {
            columnTotals[index % columns] += Double(values[index])
            rowTotals[index / rows] += Double(values[index])
        }
        expectClose(Tensor(shape: [rows, columns], scalars: values).sum(axes: [0]),
                    Tensor(shape: [columns], scalars: columnTotals.map { Float($0) }), relative: 1e-7, "leading")
        expectClose(Tensor(shape: [columns, rows], scalars: values).sum(axes: [1]),
                    Tensor(shape: [columns], scalars: rowTotals.map { Float($0) }), relative: 1e-7, "trailing")
        expectClose(Tensor(shape: [rows, columns], scalars: values).mean(),
                    Tensor(Float(columnTotals.reduce(0, +) / Double(values.count))), relative: 1e-7, "mean")
    }

    @Test func meanMaxMinMatchHandValues() {
        let x = Self.matrix()
        #expect(x.mean(axes: [1]).scalars == [2, 5])
        #expect(x.mean().item == 3.5)
        let y = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        #expect(y.max(axes: [1]).scalars == [5, 6])
        #expect(y.min(axes: [0]).scalars == [1, 2, 3])
        #expect(y.max().item == 6 && y.min().item == 1)
        let kept = y.min(axes: [-1], keepDims: true)
        #expect(kept.shape == [2, 1] && kept.scalars == [1, 2])
    }

    @Test func maxGradientGoesToTheFirstTiedPosition() {
        let x = Tensor(shape: [2, 3], scalars: [2, 7, 7, 4, 4, 1], requiresGrad: true)
        x.max(axes: [1]).backward(gradient: Tensor(shape: [2], scalars: [10, 20]))
        #expect(x.grad?.scalars == [0, 10, 0, 20, 0, 0])
        x.zeroGrad()
        x.min().backward()
        #expect(x.grad?.scalars == [0, 0, 0, 0, 0, 1])
    }

    @Test func longRowsFindTheFirstExtremumAndPropagateNaN() {
        // 19 elements per row: the vectorised pass covers 16, the scalar tail 3.
        var values = (0..<19).map { Float($0 % 5) }
        values[9] = 8
        values[17] = 8
        values[4] = -3
        values[11] = -3
        let x = Tensor(shape: [1, 19], scalars: values, requiresGrad: true)
        #expect(x.argmax(axis: 1).scalars == [9])
        #expect(x.max(axes: [1]).scalars == [8] && x.min(axes: [1]).scalars == [-3])
        x.min(axes: [1]).backward()
        #expect(x.grad?.scalars.enumerated().filter { $0.element != 0 }.map(\.offset) == [4])
        values[12] = .nan
        values[15] = .nan
        let withNaN = Tensor(shape: [19], scalars: values)
        #expect(withNaN.max().item.isNaN && withNaN.min().item.isNaN)
        #expect(withNaN.argmax(axis: 0).scalars == [12])
    }

    @Test func varianceBiasedAndUnbiased() {
        let x = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        expectClose(x.variance(), Tensor(1.25))
        expectClose(x.variance(unbiased: true), Tensor(1.6666666))
        let m = Tensor(shape: [2, 2], scalars: [1, 3, 2, 6])
        expectClose(m.variance(axes: [0]), Tensor(shape: [2], scalars: [0.25, 2.25]))
        expectClose(m.variance(axes: [1], keepDims: true), Tensor(shape: [2, 1], scalars: [1, 4]))
    }

    @Test func argmaxPicksTheFirstLargest() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 7, 2, 7])
        #expect(x.argmax(axis: 1).scalars == [1, 0])
        #expect(x.argmax(axis: 0).scalars == [1, 0, 1])
        let kept = x.argmax(axis: -1, keepDims: true)
        #expect(kept.shape == [2, 1] && kept.scalars == [1, 0])
    }

    /// (label, axes, keepDims) covering all axes, the last, leading, middle and non-adjacent ones.
    static let axisChoices: [(String, [Int]?, Bool)] = [
        ("all", nil, false), ("all keepDims", nil, true), ("last", [-1], false), ("leading", [0, 1], false),
        ("middle keepDims", [1], true), ("non-adjacent", [0, 2], false), ("non-adjacent keepDims", [2, 0], true),
    ]

    @Test func sumAndMeanMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 21)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        for (label, axes, keepDims) in Self.axisChoices {
            expectGradientsMatchDoubleFiniteDifferences([x], "sum \(label)") {
                $0[0].sum(axes: axes, keepDims: keepDims)
            } reference: { DoubleReference.sum($0[0], axes: axes, keepDims: keepDims) }
            expectGradientsMatchDoubleFiniteDifferences([x], "mean \(label)") {
                $0[0].mean(axes: axes, keepDims: keepDims)
            } reference: { DoubleReference.mean($0[0], axes: axes, keepDims: keepDims) }
        }
    }

    @Test func maxAndMinMatchDoubleFiniteDifferences() {
        let x = Self.distinct([2, 3, 4], seed: 22)
        for (label, axes, keepDims) in Self.axisChoices {
            expectGradientsMatchDoubleFiniteDifferences([x], "max \(label)") {
                $0[0].max(axes: axes, keepDims: keepDims)
            } reference: { DoubleReference.max($0[0], axes: axes, keepDims: keepDims) }
            expectGradientsMatchDoubleFiniteDifferences([x], "min \(label)") {
                $0[0].min(axes: axes, keepDims: keepDims)
            } reference: { DoubleReference.min($0[0], axes: axes, keepDims: keepDims) }
        }
    }

    @Test func varianceMatchesDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 23)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        for (label, axes, keepDims) in Self.axisChoices {
            for unbiased in [false, true] {
                expectGradientsMatchDoubleFiniteDifferences([x], "variance \(label)\(unbiased ? " unbiased" : "")") {
                    $0[0].variance(axes: axes, keepDims: keepDims, unbiased: unbiased)
                } reference: { DoubleReference.variance($0[0], axes: axes, keepDims: keepDims, unbiased: unbiased) }
            }
        }
    }
}
