import Testing
@testable import SensorTensor

@Suite struct PoolingTests {
    @Test func averagePoolingCountsPaddingAsZeros() {
        let x = Tensor(shape: [1, 1, 4], scalars: [1, 2, 3, 4])
        #expect(x.avgPool1d(kernelSize: 2).scalars == [1.5, 3.5])
        // Windows [−1, 0], [0, 1], [1, 2], [2, 3], [3, 4]; the padded zero still counts in the divisor 2.
        #expect(x.avgPool1d(kernelSize: 2, stride: 1, padding: 1).scalars == [0.5, 1.5, 2.5, 3.5, 2])
    }

    @Test func maxPoolingPicksWindowMaximaAndRoutesGradientsToThem() {
        let x = Tensor(shape: [1, 5], scalars: [1, 3, 2, 5, 4], requiresGrad: true)
        #expect(x.maxPool1d(kernelSize: 2).scalars == [3, 5])
        // Windows [−1, 1], [1, 3], [3, 5]: maxima 3, 5, 5 at positions 1, 3, 3.
        let y = x.maxPool1d(kernelSize: 3, stride: 2, padding: 1)
        #expect(y.scalars == [3, 5, 5])
        y.backward(gradient: Tensor.ones([1, 3]))
        #expect(x.grad?.scalars == [0, 1, 0, 2, 0])
    }

    @Test func maxPoolingTiesGoToTheFirstMaximum() {
        let x = Tensor(shape: [4], scalars: [2, 2, 7, 7], requiresGrad: true)
        x.maxPool1d(kernelSize: 2).backward(gradient: Tensor(shape: [2], scalars: [1, 10]))
        #expect(x.grad?.scalars == [1, 0, 10, 0])
    }

    @Test func gradientsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 51)
        let x = Tensor.normal([2, 2, 7], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x], "avgPool1d default stride") {
            $0[0].avgPool1d(kernelSize: 3)
        } reference: { DoubleReference.avgPool1d($0[0], kernelSize: 3) }
        expectGradientsMatchDoubleFiniteDifferences([x], "avgPool1d stride 2 padding 1") {
            $0[0].avgPool1d(kernelSize: 3, stride: 2, padding: 1)
        } reference: { DoubleReference.avgPool1d($0[0], kernelSize: 3, stride: 2, padding: 1) }
        // Distinct values 0.1 apart, so no window holds a tie for its maximum.
        let order = generator.permutation(28).map { Float($0) * 0.1 - 1.4 }
        let distinct = Tensor(shape: [2, 2, 7], scalars: order)
        for (kernel, stride, padding) in [(2, nil, 0), (3, 2, 1), (3, 1, 0)] as [(Int, Int?, Int)] {
            expectGradientsMatchDoubleFiniteDifferences([distinct], "maxPool1d k\(kernel) s\(stride.map(String.init) ?? "k") p\(padding)") {
                $0[0].maxPool1d(kernelSize: kernel, stride: stride, padding: padding)
            } reference: { DoubleReference.maxPool1d($0[0], kernelSize: kernel, stride: stride, padding: padding) }
        }
    }
}
