import SensorTensor
import Testing

/// Layout changes (fixture "movement") and indexing ops (fixture "indexing") against PyTorch.
@Suite struct ParityMovementTests {
    static let fixture = "movement"

    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "reshape": { try $0.check(inputs: ["x"]) { x in x[0].reshaped([4, 6]) } },
        "permute": { try $0.check(inputs: ["x"]) { x in x[0].permuted([2, 0, 1]) } },
        "transpose_last": { try $0.check(inputs: ["x"]) { x in x[0].transposed() } },
        "transpose_02": { try $0.check(inputs: ["x"]) { x in x[0].transposed(0, 2) } },
        "expand": { try $0.check(inputs: ["x"]) { x in x[0].expanded(to: [2, 3, 4]) } },
        "squeeze": { try $0.check(inputs: ["x"]) { x in x[0].squeezed(axis: 1) } },
        "unsqueeze": { try $0.check(inputs: ["x"]) { x in x[0].unsqueezed(axis: 2) } },
        "slice_axis0": { try $0.check(inputs: ["x"]) { x in x[0].sliced(axis: 0, range: 1..<4) } },
        "slice_axis1": { try $0.check(inputs: ["x"]) { x in x[0].sliced(axis: 1, range: 1..<3) } },
        "concat_axis1": { try $0.check(inputs: ["a", "b", "c"]) { x in Tensor.concatenate(x, axis: 1) } },
        "stack_axis1": { try $0.check(inputs: ["a", "b", "c"]) { x in Tensor.stack(x, axis: 1) } },
        "split_axis2": { try $0.checkOutputs(inputs: ["x"]) { x in x[0].split(sizes: [1, 2, 1], axis: 2) } },
    ]

    @Test(arguments: cases.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        try Self.cases[name]!(ParityCase(fixture: Self.fixture, name: name))
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.cases.keys)
    }
}

@Suite struct ParityIndexingTests {
    static let fixture = "indexing"

    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "gather_axis1": { c in
            let index = try c.indices("index")
            try c.check(inputs: ["x"]) { x in x[0].gather(axis: 1, indices: index.values, indexShape: index.shape) }
        },
        "index_select_axis0": { c in
            let index = try c.indices("index").values
            try c.check(inputs: ["x"]) { x in x[0].indexSelect(axis: 0, indices: index) }
        },
        "index_select_axis2": { c in
            let index = try c.indices("index").values
            try c.check(inputs: ["x"]) { x in x[0].indexSelect(axis: 2, indices: index) }
        },
        "masked_fill_broadcast": { c in
            let mask = try c.constant("mask")
            try c.check(inputs: ["x"]) { x in x[0].maskedFill(mask, value: -2.5) }
        },
        "where_broadcast": { c in
            let condition = try c.constant("condition")
            try c.check(inputs: ["a", "b"]) { x in Tensor.where(condition, x[0], x[1]) }
        },
    ]

    @Test(arguments: cases.keys.sorted())
    func matchesPyTorch(_ name: String) throws {
        try Self.cases[name]!(ParityCase(fixture: Self.fixture, name: name))
    }

    @Test func everyCaseIsChecked() throws {
        try expectEveryCaseChecked(fixture: Self.fixture, checked: Self.cases.keys)
    }
}
