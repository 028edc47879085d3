import SensorNN
import SensorTensor
import Testing

/// SensorNN layers with PyTorch's parameters loaded by name: output, input gradient, every
/// parameter gradient and (batch norm) the running statistics afterwards (fixture "layers").
@Suite struct ParityLayerTests {
    static let fixture = "layers"

    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "linear": { c in
            var generator = RandomGenerator(seed: 1)
            try checkLayer(c, Linear(inputDimensions: 5, outputDimensions: 4, generator: &generator))
        },
        "linear_no_bias": { c in
            var generator = RandomGenerator(seed: 1)
            try checkLayer(c, Linear(inputDimensions: 5, outputDimensions: 3, bias: false, generator: &generator))
        },
        "conv1d": { c in
            var generator = RandomGenerator(seed: 1)
            try checkLayer(c, Conv1d(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2,
                                     generator: &generator))
        },
        "layer_norm": { try checkLayer($0, LayerNorm(dimensions: 8)) },
        "batch_norm": { try checkLayer($0, BatchNorm1d(features: 3, momentum: 0.1)) },
        "multi_head_attention": { c in
            var generator = RandomGenerator(seed: 1)
            let attention = MultiHeadAttention(dimensions: 16, headCount: 4, generator: &generator)
            try checkLayer(c, attention) { attention($0) }
        },
        "multi_head_attention_causal": { c in
            var generator = RandomGenerator(seed: 1)
            let attention = MultiHeadAttention(dimensions: 16, headCount: 4, generator: &generator)
            let mask = causalMask(5)
            try checkLayer(c, attention) { attention($0, mask: mask) }
        },
        "transformer_block": { c in
            var generator = RandomGenerator(seed: 1)
            try checkLayer(c, TransformerBlock(dimensions: 16, headCount: 4, feedForwardDimensions: 32, generator: &generator))
        },
    ]

    static func checkLayer(_ c: ParityCase, _ layer: some UnaryLayer) throws {
        try checkLayer(c, layer) { layer($0) }
    }

    /// Loads the stored parameters and buffers into `module`, runs `forward` on the stored input and
    /// compares output, gradients and updated buffers.
    static func checkLayer(_ c: ParityCase, _ module: Module, forward: (Tensor) -> Tensor) throws {
        try c.loadParameters(into: module)
        for (name, buffer) in module.namedBuffers() { buffer.assign(try c.tensor("buffer.\(name)")) }
        let input = try c.input("x")
        let output = forward(input)
        try c.expectMatch(output, "output")
        output.backward(gradient: try c.tensor("upstream"))
        try c.expectMatch(input.grad, "grad.x")
        for (name, parameter) in module.namedParameters() {
            try c.expectMatch(parameter.grad, "paramgrad.\(name)")
        }
        #expect(module.namedBuffers().map(\.0).sorted() == c.keys(under: "buffer_after.").sorted())
        for (name, buffer) in module.namedBuffers() { try c.expectMatch(buffer, "buffer_after.\(name)") }
    }

    /// Additive [size, size] mask with −∞ above the diagonal (the script's `causal_mask`).
    static func causalMask(_ size: Int) -> Tensor {
        var values = [Float](repeating: 0, count: size * size)
        for row in 0..<size { for column in (row + 1)..<size { values[row * size + column] = -.infinity } }
        return Tensor(shape: [size, size], scalars: values)
    }

    @Test(arguments: cases.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        try Self.cases[name]!(ParityCase(fixture: Self.fixture, name: name))
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.cases.keys)
    }
}
