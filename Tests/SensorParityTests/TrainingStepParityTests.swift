import SensorNN
import SensorTensor
import Testing

/// A small pre-LN Transformer: `blocks` of `TransformerBlock`, a final `LayerNorm` and a linear
/// `head`, [B, T, D] -> [B, T, outputs]. Parameter names (`blocks.0.attention.qkv.weight`, …)
/// are the ones Scripts/make_fixtures.py stores.
final class ParityTransformer: Module {
    let blocks: [TransformerBlock]
    let finalNorm: LayerNorm
    let head: Linear

    init(depth: Int, dimensions: Int, headCount: Int, feedForwardDimensions: Int, outputs: Int,
         generator: inout RandomGenerator) {
        var blocks: [TransformerBlock] = []
        for _ in 0..<depth {
            blocks.append(TransformerBlock(dimensions: dimensions, headCount: headCount,
                                           feedForwardDimensions: feedForwardDimensions, generator: &generator))
        }
        self.blocks = blocks
        finalNorm = LayerNorm(dimensions: dimensions)
        head = Linear(inputDimensions: dimensions, outputDimensions: outputs, generator: &generator)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        head(finalNorm(blocks.reduce(input) { x, block in block(x) }))
    }
}

/// One full training step against PyTorch in float64 (fixture "training_step"): forward, MSE
/// loss, backward, one AdamW step; the loss, every parameter gradient and every updated weight
/// agree within 1e-4 relative L2.
@Suite struct ParityTrainingStepTests {
    @Test func transformerAdamWStepMatchesPyTorch() throws {
        try expectEveryCaseChecked(fixture: "training_step", checked: ["transformer_adamw"])
        let c = try ParityCase(fixture: "training_step", name: "transformer_adamw")
        var generator = RandomGenerator(seed: 7)
        // 2 blocks, D 32, 4 heads, feed-forward 64, 8 outputs; input [3, 10, 32].
        let model = ParityTransformer(depth: 2, dimensions: 32, headCount: 4, feedForwardDimensions: 64, outputs: 8,
                                      generator: &generator)
        try c.loadParameters(into: model)
        let input = try c.constant("x"), target = try c.constant("target")

        let loss = Loss.mse(model(input), target)
        assertRelativeL2(loss, try c.tensor("loss"), "loss")
        loss.backward()
        for (name, parameter) in model.namedParameters() {
            assertRelativeL2(parameter.grad, try c.tensor("paramgrad.\(name)"), "gradient of \(name)")
        }

        // SensorNN's default AdamW decay filter (rank >= 2) is the script's parameter grouping.
        let optimizer = AdamW(parameters: model.namedParameters(), learningRate: 3e-3, betas: (0.9, 0.999),
                              epsilon: 1e-6, weightDecay: 0.05)
        optimizer.step()
        for (name, parameter) in model.namedParameters() {
            assertRelativeL2(parameter, try c.tensor("updated.\(name)"), "updated \(name)")
        }
    }
}
