import SensorTensor
import Testing

/// Broadcasting arithmetic and element-wise unary ops against PyTorch (fixture "elementwise").
@Suite struct ParityElementwiseTests {
    static let fixture = "elementwise"

    /// Each case runs the Swift op on the stored inputs; names match Scripts/make_fixtures.py.
    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "add_same": { try $0.check(inputs: ["a", "b"]) { x in x[0] + x[1] } },
        "add_broadcast": { try $0.check(inputs: ["a", "b"]) { x in x[0] + x[1] } },
        "sub_broadcast": { try $0.check(inputs: ["a", "b"]) { x in x[0] - x[1] } },
        "mul_broadcast": { try $0.check(inputs: ["a", "b"]) { x in x[0] * x[1] } },
        "mul_scalar": { try $0.check(inputs: ["a", "b"]) { x in x[0] * x[1] } },
        "div_broadcast": { try $0.check(inputs: ["a", "b"]) { x in x[0] / x[1] } },
        "neg": { try $0.check(inputs: ["x"]) { x in -x[0] } },
        "pow_fractional": { try $0.check(inputs: ["x"]) { x in x[0].pow(2.5) } },
        "pow_negative": { try $0.check(inputs: ["x"]) { x in x[0].pow(-1.5) } },
        "pow_cube": { try $0.check(inputs: ["x"]) { x in x[0].pow(3) } },
        "squared": { try $0.check(inputs: ["x"]) { x in x[0].squared() } },
        "exp": { try $0.check(inputs: ["x"]) { x in x[0].exp() } },
        "log": { try $0.check(inputs: ["x"]) { x in x[0].log() } },
        "sqrt": { try $0.check(inputs: ["x"]) { x in x[0].sqrt() } },
        "rsqrt": { try $0.check(inputs: ["x"]) { x in x[0].rsqrt() } },
        "abs": { try $0.check(inputs: ["x"]) { x in x[0].abs() } },
        "tanh": { try $0.check(inputs: ["x"]) { x in x[0].tanh() } },
        "sigmoid": { try $0.check(inputs: ["x"]) { x in x[0].sigmoid() } },
        "relu": { try $0.check(inputs: ["x"]) { x in x[0].relu() } },
        "gelu_erf": { try $0.check(inputs: ["x"]) { x in x[0].gelu(approximation: .erf) } },
        "gelu_tanh": { try $0.check(inputs: ["x"]) { x in x[0].gelu(approximation: .tanh) } },
        "silu": { try $0.check(inputs: ["x"]) { x in x[0].silu() } },
        "clamp_both": { try $0.check(inputs: ["x"]) { x in x[0].clamped(min: -0.5, max: 0.7) } },
        "clamp_min": { try $0.check(inputs: ["x"]) { x in x[0].clamped(min: -0.25) } },
        "clamp_max": { try $0.check(inputs: ["x"]) { x in x[0].clamped(max: 0.3) } },
        // [3, 67]: rows longer than the vector lanes, with tails.
        "exp_long": { try $0.check(inputs: ["x"]) { x in x[0].exp() } },
        "tanh_long": { try $0.check(inputs: ["x"]) { x in x[0].tanh() } },
        "sigmoid_long": { try $0.check(inputs: ["x"]) { x in x[0].sigmoid() } },
        "gelu_erf_long": { try $0.check(inputs: ["x"]) { x in x[0].gelu(approximation: .erf) } },
        "gelu_tanh_long": { try $0.check(inputs: ["x"]) { x in x[0].gelu(approximation: .tanh) } },
        "silu_long": { try $0.check(inputs: ["x"]) { x in x[0].silu() } },
    ]

    @Test(arguments: cases.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        try Self.cases[name]!(ParityCase(fixture: Self.fixture, name: name))
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.cases.keys)
    }
}
