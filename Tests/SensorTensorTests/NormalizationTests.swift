import Testing
@testable import SensorTensor

@Suite struct NormalizationTests {
    @Test func layerNormOfOneTwoThree() {
        // mean 2, biased variance 2/3: y = (x − 2)/√(2/3 + ε), then ·weight + bias.
        let x = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let r = 1 / (Float(2.0 / 3.0) + 1e-5).squareRoot()
        expectClose(x.layerNorm(weight: nil, bias: nil), Tensor(shape: [1, 3], scalars: [-r, 0, r]), relative: 1e-6, "plain")
        let w = Tensor(shape: [3], scalars: [2, 3, 4]), b = Tensor(shape: [3], scalars: [1, 1, -1])
        expectClose(x.layerNorm(weight: w, bias: b), Tensor(shape: [1, 3], scalars: [1 - 2 * r, 1, -1 + 4 * r]),
                    relative: 1e-6, "affine")
    }

    @Test func layerNormGradientsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 31)
        let x = Tensor.normal([2, 3, 5], generator: &generator)
        let w = Tensor.uniform([5], low: 0.5, high: 1.5, generator: &generator)
        let b = Tensor.normal([5], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x, w, b], "layerNorm affine") {
            $0[0].layerNorm(weight: $0[1], bias: $0[2])
        } reference: { DoubleReference.layerNorm($0[0], weight: $0[1], bias: $0[2]) }
        expectGradientsMatchDoubleFiniteDifferences([x], "layerNorm plain") {
            $0[0].layerNorm(weight: nil, bias: nil)
        } reference: { DoubleReference.layerNorm($0[0], weight: nil, bias: nil) }
        expectGradientsMatchDoubleFiniteDifferences([x, w], "layerNorm weight only") {
            $0[0].layerNorm(weight: $0[1], bias: nil)
        } reference: { DoubleReference.layerNorm($0[0], weight: $0[1], bias: nil) }
        // 70 rows: three blocks of the blocked parameter-gradient sums.
        let tall = Tensor.normal([70, 3], generator: &generator)
        let w3 = Tensor.uniform([3], low: 0.5, high: 1.5, generator: &generator)
        let b3 = Tensor.normal([3], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([tall, w3, b3], "layerNorm many rows") {
            $0[0].layerNorm(weight: $0[1], bias: $0[2])
        } reference: { DoubleReference.layerNorm($0[0], weight: $0[1], bias: $0[2]) }
    }

    @Test func batchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes() {
        // One channel, values 1 and 3: mean 2, biased variance 1, unbiased variance 2.
        let x = Tensor(shape: [2, 1], scalars: [1, 3])
        let runningMean = Tensor.zeros([1]), runningVariance = Tensor.ones([1])
        let y = x.batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: nil, bias: nil, training: true)
        let r = 1 / (1 + Float(1e-5)).squareRoot()
        expectClose(y, Tensor(shape: [2, 1], scalars: [-r, r]), relative: 1e-6, "normalised")
        expectClose(runningMean, Tensor(shape: [1], scalars: [0.2]), relative: 1e-6, "running mean 0.9·0 + 0.1·2")
        expectClose(runningVariance, Tensor(shape: [1], scalars: [1.1]), relative: 1e-6, "running variance 0.9·1 + 0.1·2")
    }

    @Test func batchNormEvaluationUsesRunningStatistics() {
        // [N=1, C=2, L=2]; channel 0 running (1, 4), channel 1 running (0, 1); weight [2, 1], bias [0, 5].
        let x = Tensor(shape: [1, 2, 2], scalars: [1, 5, 2, -2])
        let runningMean = Tensor(shape: [2], scalars: [1, 0]), runningVariance = Tensor(shape: [2], scalars: [4, 1])
        let y = x.batchNorm(runningMean: runningMean, runningVariance: runningVariance,
                            weight: Tensor(shape: [2], scalars: [2, 1]), bias: Tensor(shape: [2], scalars: [0, 5]),
                            training: false, epsilon: 0)
        #expect(y.scalars == [0, 4, 7, 3])
        #expect(runningMean.scalars == [1, 0] && runningVariance.scalars == [4, 1])
    }

    @Test func batchNormGradientsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 32)
        let x = Tensor.normal([3, 2, 4], generator: &generator)
        let w = Tensor.uniform([2], low: 0.5, high: 1.5, generator: &generator)
        let b = Tensor.normal([2], generator: &generator)
        let runningMean = Tensor.normal([2], generator: &generator)
        let runningVariance = Tensor.uniform([2], low: 0.5, high: 2, generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([x, w, b], "batchNorm training [N, C, L]") {
            $0[0].batchNorm(runningMean: Tensor.zeros([2]), runningVariance: Tensor.ones([2]), weight: $0[1], bias: $0[2], training: true)
        } reference: { DoubleReference.batchNorm($0[0], weight: $0[1], bias: $0[2], running: nil) }
        expectGradientsMatchDoubleFiniteDifferences([x], "batchNorm training without affine") {
            $0[0].batchNorm(runningMean: Tensor.zeros([2]), runningVariance: Tensor.ones([2]), weight: nil, bias: nil, training: true)
        } reference: { DoubleReference.batchNorm($0[0], weight: nil, bias: nil, running: nil) }
        expectGradientsMatchDoubleFiniteDifferences([x, w, b], "batchNorm evaluation") {
            $0[0].batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: $0[1], bias: $0[2], training: false)
        } reference: {
            DoubleReference.batchNorm($0[0], weight: $0[1], bias: $0[2], running: (DoubleTensor(runningMean), DoubleTensor(runningVariance)))
        }
        let flat = Tensor.normal([5, 3], generator: &generator)
        let w3 = Tensor.uniform([3], low: 0.5, high: 1.5, generator: &generator)
        let b3 = Tensor.normal([3], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([flat, w3, b3], "batchNorm training [N, C]") {
            $0[0].batchNorm(runningMean: Tensor.zeros([3]), runningVariance: Tensor.ones([3]), weight: $0[1], bias: $0[2], training: true)
        } reference: { DoubleReference.batchNorm($0[0], weight: $0[1], bias: $0[2], running: nil) }
    }

    @Test func parameterGradientsDoNotDependOnTheThreadCount() {
        var generator = RandomGenerator(seed: 33)
        // At width 128 a thread needs at least 64 rows (two blocks), so 200 rows do split over two threads.
        let x = Tensor.normal([200, 128], generator: &generator)
        let w = Tensor.uniform([128], low: 0.5, high: 1.5, generator: &generator, requiresGrad: true)
        let b = Tensor.normal([128], generator: &generator, requiresGrad: true)
        let g = Tensor.normal([200, 128], generator: &generator)
        func run() -> [[Float]] {
            w.grad = nil; b.grad = nil
            x.layerNorm(weight: w, bias: b).backward(gradient: g)
            return [w.grad!.scalars, b.grad!.scalars]
        }
        let previous = Threading.threadCount
        Threading.setThreadCount(1)
        let serial = run()
        Threading.setThreadCount(2)
        let parallel = run()
        Threading.setThreadCount(previous)
        #expect(serial == parallel)
    }
}
