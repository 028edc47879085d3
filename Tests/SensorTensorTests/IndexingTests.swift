import Testing
@testable import SensorTensor

@Suite struct IndexingTests {
    @Test func indexSelectWithRepeatsAndItsIndexAdd() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let y = x.indexSelect(axis: 1, indices: [2, 0, 2])
        #expect(y.shape == [2, 3] && y.scalars == [3, 1, 3, 6, 4, 6])
        y.backward(gradient: Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(x.grad?.scalars == [2, 0, 4, 5, 0, 10])
        let rows = x.indexSelect(axis: -2, indices: [1])
        #expect(rows.shape == [1, 3] && rows.scalars == [4, 5, 6])
    }

    @Test func gatherFollowsTorchSemantics() {
        // torch.gather([[1, 2], [3, 4]], 1, [[0, 0], [1, 0]]) = [[1, 1], [4, 3]]
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let y = x.gather(axis: 1, indices: [0, 0, 1, 0], indexShape: [2, 2])
        #expect(y.scalars == [1, 1, 4, 3])
        y.backward(gradient: Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(x.grad?.scalars == [3, 0, 4, 3])
        // Along axis 0 with an index tensor smaller than the input: [1, 3] from a [3, 4] input.
        let z = Tensor(shape: [3, 4], scalars: (0..<12).map(Float.init))
        let picked = z.gather(axis: 0, indices: [2, 0, 1], indexShape: [1, 3])
        #expect(picked.shape == [1, 3] && picked.scalars == [8, 1, 6])
    }

    @Test func maskedFillBroadcastsTheMask() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let mask = Tensor(shape: [3], scalars: [1, 0, 1])
        let y = x.maskedFill(mask, value: -9)
        #expect(y.scalars == [-9, 2, -9, -9, 5, -9])
        y.backward(gradient: Tensor.ones([2, 3]))
        #expect(x.grad?.scalars == [0, 1, 0, 0, 1, 0])
    }

    @Test func whereRoutesValuesAndGradients() {
        let condition = Tensor(shape: [2, 1], scalars: [1, 0])
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let b = Tensor(-1, requiresGrad: true)
        let y = Tensor.where(condition, a, b)
        #expect(y.shape == [2, 3] && y.scalars == [1, 2, 3, -1, -1, -1])
        y.backward(gradient: Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(a.grad?.scalars == [1, 2, 3, 0, 0, 0])
        #expect(b.grad?.scalars == [15])
    }

    @Test func oneHotRows() {
        let y = Tensor.oneHot(indices: [2, 0, 1], classes: 3)
        #expect(y.shape == [3, 3] && y.scalars == [0, 0, 1, 1, 0, 0, 0, 1, 0])
        #expect(!y.requiresGrad)
    }

    @Test func outOfBoundsIndexStopsWithTheOpAndShapeNamed() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).indexSelect(axis: 1, indices: [0, 5])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("indexSelect: index 5 is out of bounds for axis 1 of size 3 in [2, 3]"))
    }

    @Test func indexingOpsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 41)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        for (axis, indices) in [(1, [2, 2, 0]), (-1, [3, 1]), (0, [1])] {
            expectGradientsMatchDoubleFiniteDifferences([x], "indexSelect axis \(axis) \(indices)") {
                $0[0].indexSelect(axis: axis, indices: indices)
            } reference: { DoubleReference.indexSelect($0[0], axis: axis, indices: indices) }
        }
        let positions = [0, 3, 3, 1, 2, 2, 0, 0, 1, 3, 2, 1]
        expectGradientsMatchDoubleFiniteDifferences([x], "gather axis 2") {
            $0[0].gather(axis: 2, indices: positions, indexShape: [2, 2, 3])
        } reference: { DoubleReference.gather($0[0], axis: 2, indices: positions, indexShape: [2, 2, 3]) }
        let rows = [1, 0, 1, 1, 0, 0]
        expectGradientsMatchDoubleFiniteDifferences([x], "gather axis 0") {
            $0[0].gather(axis: 0, indices: rows, indexShape: [1, 3, 2])
        } reference: { DoubleReference.gather($0[0], axis: 0, indices: rows, indexShape: [1, 3, 2]) }
        let mask = Tensor(shape: [3, 1], scalars: [0, 1, 0])
        expectGradientsMatchDoubleFiniteDifferences([x], "maskedFill") {
            $0[0].maskedFill(mask, value: 5)
        } reference: { DoubleReference.maskedFill($0[0], mask: DoubleTensor(mask), value: 5) }
        let condition = Tensor(shape: [3, 4], scalars: [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0])
        let b = Tensor.normal([4], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x, b], "where") {
            Tensor.where(condition, $0[0], $0[1])
        } reference: { DoubleReference.where(DoubleTensor(condition), $0[0], $0[1]) }
    }
}
