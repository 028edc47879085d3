import SensorTensor
import Testing

/// Matrix products with every transpose and batch layout against PyTorch (fixture "matmul").
@Suite struct ParityMatmulTests {
    static let fixture = "matmul"

    /// (transposeA, transposeB) of each case; the stored operands are already laid out for them.
    static let flags: [String: (Bool, Bool)] = [
        "plain": (false, false), "transpose_a": (true, false), "transpose_b": (false, true), "transpose_both": (true, true),
        "batched": (false, false), "batched_transpose_a": (true, false), "batched_transpose_b": (false, true),
        "batched_transpose_both": (true, true),
        "shared_weight": (false, false), "shared_weight_transpose_a": (true, false),
        "shared_weight_transpose_b": (false, true), "shared_weight_transpose_both": (true, true),
    ]

    @Test(arguments: flags.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        let (transposeA, transposeB) = Self.flags[name]!
        try ParityCase(fixture: Self.fixture, name: name).check(inputs: ["a", "b"]) { x in
            x[0].matmul(x[1], transposeA: transposeA, transposeB: transposeB)
        }
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.flags.keys)
    }
}

/// Softmax, linear, normalisation, convolution, pooling, embedding and attention against PyTorch
/// (fixture "neural_ops").
@Suite struct ParityNeuralOpTests {
    static let fixture = "neural_ops"

    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "softmax_last": { try $0.check(inputs: ["x"]) { x in x[0].softmax(axis: -1) } },
        "softmax_axis1": { try $0.check(inputs: ["x"]) { x in x[0].softmax(axis: 1) } },
        "log_softmax_last": { try $0.check(inputs: ["x"]) { x in x[0].logSoftmax(axis: -1) } },
        "log_softmax_axis0": { try $0.check(inputs: ["x"]) { x in x[0].logSoftmax(axis: 0) } },
        "softmax_long": { try $0.check(inputs: ["x"]) { x in x[0].softmax(axis: -1) } },
        "log_softmax_long": { try $0.check(inputs: ["x"]) { x in x[0].logSoftmax(axis: -1) } },
        "linear": { try $0.check(inputs: ["x", "weight", "bias"]) { x in x[0].linear(weight: x[1], bias: x[2]) } },
        "linear_no_bias": { try $0.check(inputs: ["x", "weight"]) { x in x[0].linear(weight: x[1], bias: nil) } },
        "linear_tall": { try $0.check(inputs: ["x", "weight", "bias"]) { x in x[0].linear(weight: x[1], bias: x[2]) } },
        "layer_norm_tall": {
            try $0.check(inputs: ["x", "weight", "bias"]) { x in x[0].layerNorm(weight: x[1], bias: x[2], epsilon: 1e-5) }
        },
        "layer_norm": {
            try $0.check(inputs: ["x", "weight", "bias"]) { x in x[0].layerNorm(weight: x[1], bias: x[2], epsilon: 1e-5) }
        },
        "layer_norm_plain": { try $0.check(inputs: ["x"]) { x in x[0].layerNorm(weight: nil, bias: nil, epsilon: 1e-5) } },
        "batch_norm_train_3d": { try checkBatchNorm($0, training: true) },
        "batch_norm_train_2d": { try checkBatchNorm($0, training: true) },
        "batch_norm_eval": { try checkBatchNorm($0, training: false) },
        "batch_norm_train_long": { try checkBatchNorm($0, training: true) },
        "conv1d_basic": { try checkConvolution($0, stride: 1, padding: 0, dilation: 1, groups: 1) },
        "conv1d_stride_padding": { try checkConvolution($0, stride: 2, padding: 1, dilation: 1, groups: 1) },
        "conv1d_dilation": { try checkConvolution($0, stride: 1, padding: 2, dilation: 2, groups: 1) },
        "conv1d_groups": { try checkConvolution($0, stride: 2, padding: 1, dilation: 1, groups: 2) },
        "conv1d_depthwise": { try checkConvolution($0, stride: 1, padding: 2, dilation: 1, groups: 4) },
        "conv1d_depthwise_multiplier": { try checkConvolution($0, stride: 2, padding: 2, dilation: 2, groups: 3) },
        "conv1d_depthwise_long": { try checkConvolution($0, stride: 1, padding: 2, dilation: 1, groups: 3) },
        "conv1d_long": { try checkConvolution($0, stride: 2, padding: 2, dilation: 1, groups: 1) },
        "avg_pool1d": { try $0.check(inputs: ["x"]) { x in x[0].avgPool1d(kernelSize: 3, stride: 2, padding: 1) } },
        "avg_pool1d_default_stride": { try $0.check(inputs: ["x"]) { x in x[0].avgPool1d(kernelSize: 2) } },
        "max_pool1d": { try $0.check(inputs: ["x"]) { x in x[0].maxPool1d(kernelSize: 3, stride: 2, padding: 1) } },
        "max_pool1d_default_stride": { try $0.check(inputs: ["x"]) { x in x[0].maxPool1d(kernelSize: 2) } },
        "max_pool1d_long": { try $0.check(inputs: ["x"]) { x in x[0].maxPool1d(kernelSize: 4, stride: 3, padding: 2) } },
        "embedding": { c in
            let index = try c.indices("index")
            try c.check(inputs: ["weight"]) { x in Tensor.embedding(weight: x[0], indices: index.values, indexShape: index.shape) }
        },
        "attention": { try checkAttention($0) },
        "attention_cross_shapes": { try checkAttention($0) },
        "attention_mask_2d": { try checkAttention($0) },
        "attention_mask_4d": { try checkAttention($0) },
        "attention_long": { try checkAttention($0) },
        "packed_attention": { try $0.check(inputs: ["qkv"]) { x in Tensor.packedSelfAttention(qkv: x[0], headCount: 2) } },
        "packed_attention_causal": { c in
            let mask = try c.constant("mask")
            try c.check(inputs: ["qkv"]) { x in Tensor.packedSelfAttention(qkv: x[0], headCount: 2, mask: mask) }
        },
    ]

    /// Batch norm with momentum 0.1 and ε 1e-5; also compares the running statistics afterwards.
    static func checkBatchNorm(_ c: ParityCase, training: Bool) throws {
        let runningMean = try c.constant("running_mean"), runningVariance = try c.constant("running_variance")
        try c.check(inputs: ["x", "weight", "bias"]) { x in
            x[0].batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: x[1], bias: x[2],
                           training: training, momentum: 0.1, epsilon: 1e-5)
        }
        try c.expectMatch(runningMean, "const_after.running_mean")
        try c.expectMatch(runningVariance, "const_after.running_variance")
    }

    static func checkConvolution(_ c: ParityCase, stride: Int, padding: Int, dilation: Int, groups: Int) throws {
        let hasBias = c.contains("input.bias")
        try c.check(inputs: hasBias ? ["x", "weight", "bias"] : ["x", "weight"]) { x in
            x[0].conv1d(weight: x[1], bias: hasBias ? x[2] : nil, stride: stride, padding: padding,
                        dilation: dilation, groups: groups)
        }
    }

    /// Scaled dot-product attention with the default scale 1/√Dh and the stored mask, if any.
    static func checkAttention(_ c: ParityCase) throws {
        let mask = c.contains("const.mask") ? try c.constant("mask") : nil
        try c.check(inputs: ["query", "key", "value"]) { x in
            Tensor.scaledDotProductAttention(query: x[0], key: x[1], value: x[2], mask: mask)
        }
    }

    @Test(arguments: cases.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        try Self.cases[name]!(ParityCase(fixture: Self.fixture, name: name))
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.cases.keys)
    }
}
