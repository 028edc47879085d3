import Testing
@testable import SensorTensor

@Suite struct ConvolutionTests {
    @Test func convolutionOfATinySignalByHand() {
        // Weight [1, 0, −1] (cross-correlation as in PyTorch): y[t] = x[t] − x[t + 2].
        let x = Tensor(shape: [1, 1, 4], scalars: [1, 2, 3, 4])
        let w = Tensor(shape: [1, 1, 3], scalars: [1, 0, -1])
        #expect(x.conv1d(weight: w, bias: nil).scalars == [-2, -2])
        #expect(x.conv1d(weight: w, bias: Tensor(shape: [1], scalars: [1])).scalars == [-1, -1])
        // Padding 1 reads zeros at positions −1 and 4: [0 − 2, 1 − 3, 2 − 4, 3 − 0].
        #expect(x.conv1d(weight: w, bias: nil, padding: 1).scalars == [-2, -2, -2, 3])
        // Stride 2, dilation 2, weight [1, 1] over [1 … 6]: y[t] = x[2t] + x[2t + 2] = [1 + 3, 3 + 5].
        let long = Tensor(shape: [1, 1, 6], scalars: [1, 2, 3, 4, 5, 6])
        #expect(long.conv1d(weight: Tensor(shape: [1, 1, 2], scalars: [1, 1]), bias: nil, stride: 2, dilation: 2).scalars == [4, 8])
    }

    @Test func depthwiseConvolutionByHand() {
        // Two channels, multiplier 1: channel 0 filtered by [1, 1], channel 1 by [2, −1].
        let x = Tensor(shape: [1, 2, 3], scalars: [1, 2, 3, 1, 0, 1])
        let w = Tensor(shape: [2, 1, 2], scalars: [1, 1, 2, -1])
        #expect(x.conv1d(weight: w, bias: Tensor(shape: [2], scalars: [0, 10]), groups: 2).scalars == [3, 5, 12, 9])
    }

    /// (input shape, weight shape, stride, padding, dilation, groups); the gradient check also
    /// compares each forward with the direct definition.
    let configurations: [([Int], [Int], Int, Int, Int, Int)] = [
        ([2, 3, 9], [4, 3, 3], 1, 0, 1, 1),
        ([2, 3, 9], [4, 3, 3], 2, 1, 2, 1),
        ([1, 4, 8], [6, 2, 3], 1, 1, 1, 2),
        ([2, 3, 8], [3, 1, 3], 1, 1, 1, 3),
        ([2, 3, 8], [6, 1, 3], 2, 2, 2, 3),
    ]

    @Test func gradientsMatchDoubleFiniteDifferencesForEveryOption() {
        var generator = RandomGenerator(seed: 42)
        for (inputShape, weightShape, stride, padding, dilation, groups) in configurations {
            let x = Tensor.normal(inputShape, generator: &generator)
            let w = Tensor.normal(weightShape, generator: &generator)
            let b = Tensor.normal([weightShape[0]], generator: &generator)
            expectGradientsMatchDoubleFiniteDifferences([x, w, b], "conv1d \(inputShape) \(weightShape) s\(stride) p\(padding) d\(dilation) g\(groups)") {
                $0[0].conv1d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
            } reference: {
                DoubleReference.conv1d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
            }
        }
        let x = Tensor.normal([1, 2, 5], generator: &generator)
        let w = Tensor.normal([3, 2, 2], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x, w], "conv1d without bias") {
            $0[0].conv1d(weight: $0[1], bias: nil)
        } reference: { DoubleReference.conv1d($0[0], weight: $0[1], bias: nil) }
    }
}
