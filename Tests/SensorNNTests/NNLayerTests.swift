import Testing
import SensorTensor
@testable import SensorNN

@Suite struct NNLayerTests {
    @Test func linearMatchesAHandComputedProduct() throws {
        var generator = RandomGenerator(seed: 1)
        let layer = Linear(inputDimensions: 2, outputDimensions: 3, generator: &generator)
        try layer.loadState(["weight": Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]),
                             "bias": Tensor(shape: [3], scalars: [0.5, -1, 2])])
        // [1, −1]·Wᵀ + b = [1 − 2 + 0.5, 3 − 4 − 1, 5 − 6 + 2]
        expectValues(layer(Tensor(shape: [1, 2], scalars: [1, -1])), [-0.5, -2, 1], shape: [1, 3])
    }

    @Test func linearInitialisationFollowsPyTorchBoundsAndSeed() {
        var first = RandomGenerator(seed: 9), second = RandomGenerator(seed: 9)
        let a = Linear(inputDimensions: 16, outputDimensions: 4, generator: &first)
        let b = Linear(inputDimensions: 16, outputDimensions: 4, generator: &second)
        #expect(a.weight.scalars == b.weight.scalars && a.bias!.scalars == b.bias!.scalars)
        #expect((a.weight.scalars + a.bias!.scalars).allSatisfy { abs($0) <= 0.25 })
        #expect(a.weight.scalars.contains { abs($0) > 0.2 }, "draws span the range ±1/√16")
        #expect(a.weight.requiresGrad && a.bias!.requiresGrad)
        #expect(Linear(inputDimensions: 3, outputDimensions: 2, bias: false, generator: &first).bias == nil)
    }

    @Test func convolutionShapes() {
        var generator = RandomGenerator(seed: 2)
        let input = randomTensor([2, 4, 10], seed: 3)
        let same = Conv1d(inputChannels: 4, outputChannels: 6, kernelSize: 3, padding: 1, generator: &generator)
        #expect(same(input).shape == [2, 6, 10])
        #expect(same.weight.shape == [6, 4, 3])
        let strided = Conv1d(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        #expect(strided(input).shape == [2, 6, 5])
        let depthwise = Conv1d(inputChannels: 4, outputChannels: 4, kernelSize: 5, dilation: 2, groups: 4, generator: &generator)
        #expect(depthwise.weight.shape == [4, 1, 5])
        #expect(depthwise(input).shape == [2, 4, 2])
    }

    @Test func normalisationLayers() {
        let input = randomTensor([4, 3, 5], seed: 4)
        let layerNorm = LayerNorm(dimensions: 5)
        let normalised = layerNorm(input)
        #expect(normalised.shape == [4, 3, 5])
        expectValues(normalised.mean(axes: [2]), [Float](repeating: 0, count: 12), tolerance: 1e-5)

        let batchNorm = BatchNorm1d(features: 3, momentum: 0.5)
        #expect(batchNorm(input).shape == [4, 3, 5])
        let batchMean = input.mean(axes: [0, 2]).scalars
        expectValues(batchNorm.runningMean, batchMean.map { 0.5 * $0 }, "running mean moves half way")
        batchNorm.eval()
        let runningBefore = batchNorm.runningMean.scalars
        _ = batchNorm(input)
        #expect(batchNorm.runningMean.scalars == runningBefore, "evaluation leaves running statistics alone")
    }

    @Test func dropoutIsReproducibleAndOffInEvaluation() {
        var first = RandomGenerator(seed: 5), second = RandomGenerator(seed: 5)
        let a = Dropout(probability: 0.5, generator: &first), b = Dropout(probability: 0.5, generator: &second)
        let input = Tensor.ones([64])
        let output = a(input)
        #expect(output.scalars == b(input).scalars)
        #expect(output.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        #expect(output.scalars.contains(0) && output.scalars.contains(2))
        a.eval()
        #expect(a(input).scalars == input.scalars)
    }

    @Test func embeddingMLPAndAttentionShapes() {
        var generator = RandomGenerator(seed: 6)
        let embedding = Embedding(count: 10, dimensions: 4, generator: &generator)
        #expect(embedding([1, 2, 3, 9, 0, 1], shape: [2, 3]).shape == [2, 3, 4])
        let mlp = MLP(dimensions: [4, 8, 8, 2], activation: .gelu(.tanh), generator: &generator)
        #expect(mlp.layers.count == 3)
        #expect(mlp(randomTensor([5, 4], seed: 7)).shape == [5, 2])
        let attention = MultiHeadAttention(dimensions: 8, headCount: 2, generator: &generator)
        #expect(attention(randomTensor([2, 5, 8], seed: 8)).shape == [2, 5, 8])
        let block = TransformerBlock(dimensions: 8, headCount: 2, feedForwardDimensions: 16, generator: &generator)
        #expect(block(randomTensor([2, 5, 8], seed: 9)).shape == [2, 5, 8])
    }

    @Test func transformerBlockGradientReachesEveryParameter() {
        var generator = RandomGenerator(seed: 10)
        let block = TransformerBlock(dimensions: 8, headCount: 2, feedForwardDimensions: 16, generator: &generator)
        block(randomTensor([2, 3, 8], seed: 11)).squared().mean().backward()
        for (name, parameter) in block.namedParameters() {
            let norm = parameter.grad?.scalars.reduce(0) { $0 + $1 * $1 } ?? 0
            #expect(norm > 0, "\(name) has a non-zero gradient")
        }
    }

    @Test func attentionWithACausalMaskIgnoresLaterTokens() {
        var generator = RandomGenerator(seed: 12)
        let attention = MultiHeadAttention(dimensions: 4, headCount: 2, generator: &generator)
        let causal = Tensor(shape: [3, 3], scalars: [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        let input = randomTensor([1, 3, 4], seed: 13)
        let changed = Tensor(shape: [1, 3, 4], scalars: Array(input.scalars[0..<8]) + [5, 5, 5, 5])
        let a = attention(input, mask: causal), b = attention(changed, mask: causal)
        expectValues(a.reshaped([-1]).sliced(axis: 0, range: 0..<8), Array(b.scalars[0..<8]), tolerance: 1e-6,
                     "the first two tokens do not see the third")
        #expect(a.scalars[8..<12] != b.scalars[8..<12])
    }

    @Test func sequentialAppliesLayersInOrder() throws {
        var generator = RandomGenerator(seed: 14)
        let first = Linear(inputDimensions: 2, outputDimensions: 2, bias: false, generator: &generator)
        let second = Linear(inputDimensions: 2, outputDimensions: 1, bias: false, generator: &generator)
        try first.loadState(["weight": Tensor(shape: [2, 2], scalars: [1, 0, 0, -1])])
        try second.loadState(["weight": Tensor(shape: [1, 2], scalars: [2, 3])])
        let model = Sequential([first, ActivationLayer(.relu), second])
        #expect(model.namedParameters().map { $0.0 } == ["layers.0.weight", "layers.2.weight"])
        // [3, 4] -> [3, −4] -> relu [3, 0] -> 2·3 + 3·0
        expectValues(model(Tensor(shape: [1, 2], scalars: [3, 4])), [6], shape: [1, 1])
    }
}
