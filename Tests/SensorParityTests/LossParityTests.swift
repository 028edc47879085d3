import SensorNN
import SensorTensor
import Testing

/// Every loss of SensorNN against PyTorch's (or, for NT-Xent and InfoNCE, against the formula
/// written out in torch) — values and input gradients (fixture "losses").
@Suite struct ParityLossTests {
    static let fixture = "losses"

    static let cases: [String: @Sendable (ParityCase) throws -> Void] = [
        "mse": { try $0.check(inputs: ["prediction", "target"]) { x in Loss.mse(x[0], x[1]) } },
        "l1": { try $0.check(inputs: ["prediction", "target"]) { x in Loss.l1(x[0], x[1]) } },
        "huber": { try $0.check(inputs: ["prediction", "target"]) { x in Loss.huber(x[0], x[1], delta: 1) } },
        "huber_delta_half": { try $0.check(inputs: ["prediction", "target"]) { x in Loss.huber(x[0], x[1], delta: 0.5) } },
        "cross_entropy": { try checkCrossEntropy($0, labelSmoothing: 0) },
        "cross_entropy_smoothing": { try checkCrossEntropy($0, labelSmoothing: 0.1) },
        "cross_entropy_ignore": { try checkCrossEntropy($0, labelSmoothing: 0) },
        "cross_entropy_smoothing_ignore": { try checkCrossEntropy($0, labelSmoothing: 0.2) },
        "bce_with_logits": { c in
            let targets = try c.constant("targets")
            try c.check(inputs: ["logits"]) { x in Loss.binaryCrossEntropyWithLogits(x[0], targets: targets) }
        },
        "cosine_similarity_last": { try $0.check(inputs: ["a", "b"]) { x in Loss.cosineSimilarity(x[0], x[1], axis: -1) } },
        "cosine_similarity_axis1": { try $0.check(inputs: ["a", "b"]) { x in Loss.cosineSimilarity(x[0], x[1], axis: 1) } },
        "kl_divergence": {
            try $0.check(inputs: ["student", "teacher"]) { x in Loss.klDivergence(student: x[0], teacher: x[1], temperature: 1) }
        },
        "kl_divergence_temperature": {
            try $0.check(inputs: ["student", "teacher"]) { x in Loss.klDivergence(student: x[0], teacher: x[1], temperature: 2.5) }
        },
        "nt_xent": { try $0.check(inputs: ["embeddings"]) { x in Loss.ntXent(x[0], temperature: 0.5) } },
        "info_nce": {
            try $0.check(inputs: ["queries", "keys"]) { x in Loss.infoNCE(queries: x[0], keys: x[1], temperature: 0.2) }
        },
    ]

    /// Class-index cross-entropy; the stored targets use PyTorch's ignore index −100.
    static func checkCrossEntropy(_ c: ParityCase, labelSmoothing: Float) throws {
        let targets = try c.indices("targets").values
        try c.check(inputs: ["logits"]) { x in
            Loss.crossEntropy(x[0], targets: targets, labelSmoothing: labelSmoothing, ignoreIndex: -100)
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
