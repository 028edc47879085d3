import Testing
@testable import SensorTensor

@Suite struct MovementTests {
    /// A [2, 3, 4] tensor whose element (i, j, k) is 100i + 10j + k, so values name their index.
    static func indexed() -> Tensor {
        var values: [Float] = []
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { values.append(Float(100 * i + 10 * j + k)) } } }
        return Tensor(shape: [2, 3, 4], scalars: values)
    }

    @Test func transposeAndPermuteMoveElements() {
        let m = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let t = m.transposed()
        #expect(t.shape == [3, 2] && t.scalars == [1, 4, 2, 5, 3, 6])
        let p = Self.indexed().permuted([2, 0, -2])
        #expect(p.shape == [4, 2, 3])
        var expected: [Float] = []
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected.append(Float(100 * i + 10 * j + k)) } } }
        #expect(p.scalars == expected)
        #expect(Self.indexed().transposed(0, 1).scalars.prefix(8) == [0, 1, 2, 3, 100, 101, 102, 103])
    }

    @Test func expandRepeatsSizeOneAndNewAxes() {
        let x = Tensor(shape: [3, 1], scalars: [1, 2, 3])
        let y = x.expanded(to: [2, 3, 2])
        #expect(y.shape == [2, 3, 2])
        #expect(y.scalars == [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
        let x2 = Tensor(shape: [3, 1], scalars: [1, 2, 3], requiresGrad: true)
        x2.expanded(to: [2, 3, 2]).backward(gradient: Tensor(shape: [2, 3, 2], scalars: (1...12).map(Float.init)))
        // Each element collects its two copies in both leading entries: (1+2+7+8), (3+4+9+10), (5+6+11+12).
        #expect(x2.grad?.scalars == [18, 26, 34])
    }

    @Test func squeezeAndUnsqueezeAreViews() {
        let x = Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        let squeezed = x.squeezed(axis: -2)
        #expect(squeezed.shape == [2, 3] && squeezed.storage === x.storage)
        #expect(squeezed.unsqueezed(axis: 0).shape == [1, 2, 3])
        #expect(squeezed.unsqueezed(axis: -1).shape == [2, 3, 1])
        #expect(squeezed.unsqueezed(axis: 2).shape == [2, 3, 1])
    }

    @Test func sliceLeadingAxisIsAViewOthersCopy() {
        let x = Self.indexed()
        let rows = x.sliced(axis: 0, range: 1..<2)
        #expect(rows.shape == [1, 3, 4] && rows.storage === x.storage && rows.scalars.first == 100)
        let middle = x.sliced(axis: 1, range: 1..<3)
        #expect(middle.shape == [2, 2, 4] && middle.storage !== x.storage)
        #expect(middle.scalars == [10, 11, 12, 13, 20, 21, 22, 23, 110, 111, 112, 113, 120, 121, 122, 123])
        let last = x.sliced(axis: -1, range: 3..<4)
        #expect(last.scalars == [3, 13, 23, 103, 113, 123])
    }

    @Test func sliceBackwardScattersIntoZeros() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        x.sliced(axis: 1, range: 1..<3).backward(gradient: Tensor(shape: [2, 2], scalars: [7, 8, 9, 10]))
        #expect(x.grad?.scalars == [0, 7, 8, 0, 9, 10])
    }

    @Test func concatenateThreeTensorsOnMiddleAxis() {
        let a = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2, 2], scalars: [10, 11, 12, 13, 14, 15, 16, 17])
        let c = Tensor(shape: [2, 3, 2], scalars: (20..<32).map(Float.init))
        let y = Tensor.concatenate([a, b, c], axis: 1)
        #expect(y.shape == [2, 6, 2])
        #expect(y.scalars == [1, 2, 10, 11, 12, 13, 20, 21, 22, 23, 24, 25,
                              3, 4, 14, 15, 16, 17, 26, 27, 28, 29, 30, 31])
    }

    @Test func stackAndSplit() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        let middle = Tensor.stack([a, b], axis: 1)
        #expect(middle.shape == [2, 2, 2] && middle.scalars == [1, 2, 5, 6, 3, 4, 7, 8])
        let last = Tensor.stack([a, b], axis: -1)
        #expect(last.shape == [2, 2, 2] && last.scalars == [1, 5, 2, 6, 3, 7, 4, 8])
        let pieces = Tensor(shape: [2, 5], scalars: (0..<10).map(Float.init)).split(sizes: [2, 0, 3], axis: -1)
        #expect(pieces.map(\.shape) == [[2, 2], [2, 0], [2, 3]])
        #expect(pieces[0].scalars == [0, 1, 5, 6] && pieces[2].scalars == [2, 3, 4, 7, 8, 9])
    }

    @Test func badPermutationStopsWithTheOpAndShapeNamed() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).permuted([1, 1])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("permuted: [1, 1] is not a permutation of the axes of [2, 3]"))
    }

    @Test func movementOpsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 31)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x], "reshape") {
            $0[0].reshaped([4, -1])
        } reference: { DoubleReference.reshape($0[0], [4, -1]) }
        expectGradientsMatchDoubleFiniteDifferences([x], "permute") {
            $0[0].permuted([1, 2, 0])
        } reference: { DoubleReference.permute($0[0], [1, 2, 0]) }
        expectGradientsMatchDoubleFiniteDifferences([x], "transpose") { $0[0].transposed() } reference: { DoubleReference.transpose($0[0]) }
        expectGradientsMatchDoubleFiniteDifferences([x], "transpose 0, 2") {
            $0[0].transposed(0, 2)
        } reference: { DoubleReference.transpose($0[0], 0, 2) }
        for (axis, range) in [(0, 1..<2), (1, 0..<2), (2, 1..<3)] {
            expectGradientsMatchDoubleFiniteDifferences([x], "slice axis \(axis) \(range)") {
                $0[0].sliced(axis: axis, range: range)
            } reference: { DoubleReference.slice($0[0], axis: axis, range: range) }
        }
        expectGradientsMatchDoubleFiniteDifferences([x], "unsqueeze") {
            $0[0].unsqueezed(axis: 1)
        } reference: { DoubleReference.unsqueeze($0[0], axis: 1) }
        let withUnit = Tensor.normal([2, 1, 3], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([withUnit], "squeeze") {
            $0[0].squeezed(axis: -2)
        } reference: { DoubleReference.squeeze($0[0], axis: -2) }
        let column = Tensor.normal([3, 1], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([column], "expand") {
            $0[0].expanded(to: [2, 3, 4])
        } reference: { DoubleReference.expand($0[0], to: [2, 3, 4]) }
        for piece in 0..<3 {
            expectGradientsMatchDoubleFiniteDifferences([x], "split piece \(piece)") {
                $0[0].split(sizes: [1, 2, 1], axis: 2)[piece]
            } reference: { DoubleReference.split($0[0], sizes: [1, 2, 1], axis: 2)[piece] }
        }
    }

    @Test func joiningOpsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 32)
        let a = Tensor.normal([2, 1, 3], generator: &generator)
        let b = Tensor.normal([2, 2, 3], generator: &generator)
        let c = Tensor.normal([2, 3, 3], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([a, b, c], "concatenate") {
            Tensor.concatenate($0, axis: 1)
        } reference: { DoubleReference.concatenate($0, axis: 1) }
        let d = Tensor.normal([2, 2, 3], generator: &generator)
        for axis in [0, 2, -1] {
            expectGradientsMatchDoubleFiniteDifferences([b, d], "stack axis \(axis)") {
                Tensor.stack($0, axis: axis)
            } reference: { DoubleReference.stack($0, axis: axis) }
        }
    }
}
