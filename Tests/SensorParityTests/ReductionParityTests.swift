import SensorTensor
import Testing

/// Sums, means, extrema, variances and argmax over axes against PyTorch (fixture "reductions").
@Suite struct ParityReductionTests {
    static let fixture = "reductions"

    /// Inputs are [3, 4, 5] unless the name says long ([3, 53]), wide ([5, 300]) or tall ([200, 3]);
    /// names match Scripts/make_fixtures.py.
    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "sum_all": { try $0.check(inputs: ["x"]) { x in x[0].sum() } },
        "sum_axis1_keep": { try $0.check(inputs: ["x"]) { x in x[0].sum(axes: [1], keepDims: true) } },
        "sum_axes02": { try $0.check(inputs: ["x"]) { x in x[0].sum(axes: [0, 2]) } },
        "mean_all": { try $0.check(inputs: ["x"]) { x in x[0].mean() } },
        "mean_last_keep": { try $0.check(inputs: ["x"]) { x in x[0].mean(axes: [-1], keepDims: true) } },
        "mean_axes01": { try $0.check(inputs: ["x"]) { x in x[0].mean(axes: [0, 1]) } },
        "max_axis1": { try $0.check(inputs: ["x"]) { x in x[0].max(axes: [1]) } },
        "max_axis2_keep": { try $0.check(inputs: ["x"]) { x in x[0].max(axes: [2], keepDims: true) } },
        "max_axes02": { try $0.check(inputs: ["x"]) { x in x[0].max(axes: [0, 2]) } },
        "min_axis0": { try $0.check(inputs: ["x"]) { x in x[0].min(axes: [0]) } },
        "min_axes12_keep": { try $0.check(inputs: ["x"]) { x in x[0].min(axes: [1, 2], keepDims: true) } },
        "var_axis1_unbiased": { try $0.check(inputs: ["x"]) { x in x[0].variance(axes: [1], unbiased: true) } },
        "var_last_keep_biased": {
            try $0.check(inputs: ["x"]) { x in x[0].variance(axes: [-1], keepDims: true, unbiased: false) }
        },
        "var_axes02_unbiased": { try $0.check(inputs: ["x"]) { x in x[0].variance(axes: [0, 2], unbiased: true) } },
        "var_all_biased": { try $0.check(inputs: ["x"]) { x in x[0].variance(unbiased: false) } },
        "sum_last_long": { try $0.check(inputs: ["x"]) { x in x[0].sum(axes: [-1]) } },
        "max_last_long": { try $0.check(inputs: ["x"]) { x in x[0].max(axes: [-1]) } },
        "min_last_long": { try $0.check(inputs: ["x"]) { x in x[0].min(axes: [-1]) } },
        "var_last_long": { try $0.check(inputs: ["x"]) { x in x[0].variance(axes: [-1], unbiased: true) } },
        "sum_axis0_wide": { try $0.check(inputs: ["x"]) { x in x[0].sum(axes: [0]) } },
        "max_axis0_wide": { try $0.check(inputs: ["x"]) { x in x[0].max(axes: [0]) } },
        "mean_axis0_tall": { try $0.check(inputs: ["x"]) { x in x[0].mean(axes: [0]) } },
        // Not differentiable: the output (indices as Float) only.
        "argmax_axis1": { try $0.check(inputs: ["x"]) { x in x[0].argmax(axis: 1) } },
    ]

    @Test(arguments: cases.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        try Self.cases[name]!(ParityCase(fixture: Self.fixture, name: name))
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.cases.keys)
    }
}
