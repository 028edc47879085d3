import Foundation
import Testing
@testable import SensorTensor

@Suite struct ActivationTests {
    @Test func softmaxOfLogarithmsIsProportionalToTheirArguments() {
        // softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6
        let x = Tensor(shape: [3], scalars: [0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0))])
        expectClose(x.softmax(), Tensor(shape: [3], scalars: [1.0 / 6, 2.0 / 6, 3.0 / 6]), relative: 1e-6, "softmax")
        let expectedLog = [1.0 / 6, 2.0 / 6, 3.0 / 6].map { Float(Foundation.log($0)) }
        expectClose(x.logSoftmax(), Tensor(shape: [3], scalars: expectedLog), relative: 1e-6, "logSoftmax")
    }

    @Test func softmaxAlongTheFirstAxisNormalisesEachColumn() {
        // Columns: [0, ln 2, ln 3] -> [1, 2, 3]/6 and [5, 5, 5] -> 1/3 each.
        let l2 = Float(Foundation.log(2.0)), l3 = Float(Foundation.log(3.0))
        let x = Tensor(shape: [3, 2], scalars: [0, 5, l2, 5, l3, 5])
        let third: Float = 1.0 / 3
        let expected = Tensor(shape: [3, 2], scalars: [1.0 / 6, third, 2.0 / 6, third, 3.0 / 6, third])
        expectClose(x.softmax(axis: 0), expected, relative: 1e-6, "softmax axis 0")
        expectClose(x.logSoftmax(axis: 0), Tensor(shape: [3, 2], scalars: expected.scalars.map { Foundation.log($0) }),
                    relative: 1e-6, "logSoftmax axis 0")
    }

    @Test func largeLogitsDoNotOverflow() {
        let x = Tensor(shape: [2, 2], scalars: [1000, 1000, 1000, 0])
        #expect(x.softmax().scalars == [0.5, 0.5, 1, 0])
        expectClose(x.logSoftmax(), Tensor(shape: [2, 2], scalars: [-Float(Foundation.log(2.0)), -Float(Foundation.log(2.0)), 0, -1000]),
                    relative: 1e-6, "logSoftmax of large logits")
    }

    @Test func fullyMaskedRowBecomesZeros() {
        let x = Tensor(shape: [2, 2], scalars: [-.infinity, -.infinity, 0, -.infinity])
        #expect(x.softmax().scalars == [0, 0, 1, 0])
    }

    @Test func vectorisedExponentialMatchesTheLibraryExponential() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let reference = Foundation.exp(Double(x))
            worst = max(worst, Float(abs(Double(RowMath.exp(x)) - reference) / reference))
            x += 0.0137
        }
        #expect(worst < 4e-7, "largest relative error \(worst)")
        #expect(RowMath.exp(0) == 1)
        #expect(RowMath.exp(-.infinity) == 0)
        #expect(RowMath.exp(-100) == 0)
    }

    @Test func gradientsMatchDoubleFiniteDifferencesOnEveryAxis() {
        var generator = RandomGenerator(seed: 11)
        let x = Tensor.normal([2, 3, 4], generator: &generator)
        for axis in [-1, 1, 0] {
            expectGradientsMatchDoubleFiniteDifferences([x], "softmax axis \(axis)") {
                $0[0].softmax(axis: axis)
            } reference: { DoubleReference.softmax($0[0], axis: axis) }
            expectGradientsMatchDoubleFiniteDifferences([x], "logSoftmax axis \(axis)") {
                $0[0].logSoftmax(axis: axis)
            } reference: { DoubleReference.logSoftmax($0[0], axis: axis) }
        }
    }
}
