import Testing
@testable import SensorTensor

@Suite struct ReduceTests {
    /// [[1, 2, 3], [4, 5, 6]]
    static func matrix(requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: requiresGrad)
    }

    /// Distinct values at least 0.1 apart, so finite-difference steps never change an arg-extremum.
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

    @Test func sumAndMeanMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 21)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        expectGradientsMatchFiniteDifferences([x], "sum all") { $0[0].sum() }
        expectGradientsMatchFiniteDifferences([x], "sum last") { $0[0].sum(axes: [-1]) }
        expectGradientsMatchFiniteDifferences([x], "sum leading") { $0[0].sum(axes: [0, 1]) }
        expectGradientsMatchFiniteDifferences([x], "sum middle keepDims") { $0[0].sum(axes: [1], keepDims: true) }
        expectGradientsMatchFiniteDifferences([x], "sum non-adjacent") { $0[0].sum(axes: [0, 2]) }
        expectGradientsMatchFiniteDifferences([x], "mean middle") { $0[0].mean(axes: [1]) }
        expectGradientsMatchFiniteDifferences([x], "mean non-adjacent") { $0[0].mean(axes: [2, 0], keepDims: true) }
    }

    @Test func maxAndMinMatchFiniteDifferences() {
        let x = Self.distinct([2, 3, 4], seed: 22)
        expectGradientsMatchFiniteDifferences([x], "max all") { $0[0].max() }
        expectGradientsMatchFiniteDifferences([x], "max last") { $0[0].max(axes: [-1]) }
        expectGradientsMatchFiniteDifferences([x], "max middle") { $0[0].max(axes: [1], keepDims: true) }
        expectGradientsMatchFiniteDifferences([x], "min leading") { $0[0].min(axes: [0]) }
        expectGradientsMatchFiniteDifferences([x], "min non-adjacent") { $0[0].min(axes: [0, 2]) }
    }

    @Test func varianceMatchesFiniteDifferences() {
        var generator = RandomGenerator(seed: 23)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        expectGradientsMatchFiniteDifferences([x], "variance last") { $0[0].variance(axes: [-1]) }
        expectGradientsMatchFiniteDifferences([x], "variance middle unbiased") { $0[0].variance(axes: [1], unbiased: true) }
        expectGradientsMatchFiniteDifferences([x], "variance all") { $0[0].variance() }
        expectGradientsMatchFiniteDifferences([x], "variance non-adjacent") { $0[0].variance(axes: [0, 2], keepDims: true) }
    }
}
