import Testing
import SensorTensor
@testable import SensorNN

/// A nested model exercising every kind of stored state: a module, an array of modules, an
/// optional module, a plain tensor parameter and a buffer.
final class TinyEncoder: Module {
    let tokenizer: Linear
    let blocks: [TransformerBlock]
    var head: Linear?
    let scale: Tensor
    @Buffer var tokenCount: Tensor
    let stepsSeen = 0

    init(withHead: Bool, generator: inout RandomGenerator) {
        tokenizer = Linear(inputDimensions: 3, outputDimensions: 8, generator: &generator)
        blocks = (0..<2).map { _ in
            TransformerBlock(dimensions: 8, headCount: 2, feedForwardDimensions: 16, generator: &generator)
        }
        head = withHead ? Linear(inputDimensions: 8, outputDimensions: 1, bias: false, generator: &generator) : nil
        scale = Tensor.ones([1], requiresGrad: true)
        tokenCount = Tensor.zeros([1])
    }
}

let transformerBlockNames = [
    "norm1.weight", "norm1.bias",
    "attention.qkv.weight", "attention.qkv.bias",
    "attention.projection.weight", "attention.projection.bias",
    "norm2.weight", "norm2.bias",
    "feedForward.layers.0.weight", "feedForward.layers.0.bias",
    "feedForward.layers.1.weight", "feedForward.layers.1.bias",
]

@Suite struct NNModuleTests {
    @Test func transformerBlockParameterNamesAreStable() {
        var generator = RandomGenerator(seed: 1)
        let block = TransformerBlock(dimensions: 8, headCount: 2, feedForwardDimensions: 16, generator: &generator)
        #expect(block.namedParameters().map { $0.0 } == transformerBlockNames)
        // 2·8 + (24·8 + 24) + (8·8 + 8) + 2·8 + (16·8 + 16) + (8·16 + 8)
        #expect(block.parameterCount == 600)
        #expect(block.namedBuffers().isEmpty)
    }

    @Test func nestedModelNamesFollowDeclarationOrder() {
        var generator = RandomGenerator(seed: 2)
        // The first instance of the type has no head: the cached layout must still find it later.
        let withoutHead = TinyEncoder(withHead: false, generator: &generator)
        let withHead = TinyEncoder(withHead: true, generator: &generator)
        let blockNames = (0..<2).flatMap { index in transformerBlockNames.map { "blocks.\(index).\($0)" } }
        let expectedWithoutHead = ["tokenizer.weight", "tokenizer.bias"] + blockNames + ["scale"]
        #expect(withoutHead.namedParameters().map { $0.0 } == expectedWithoutHead)
        #expect(withHead.namedParameters().map { $0.0 }
            == ["tokenizer.weight", "tokenizer.bias"] + blockNames + ["head.weight", "scale"])
        #expect(withHead.namedBuffers().map { $0.0 } == ["tokenCount"])
        #expect(withHead.namedModules().map { $0.0 } == ["", "tokenizer", "blocks.0", "blocks.0.norm1", "blocks.0.attention",
            "blocks.0.attention.qkv", "blocks.0.attention.projection", "blocks.0.norm2", "blocks.0.feedForward",
            "blocks.0.feedForward.layers.0", "blocks.0.feedForward.layers.1", "blocks.1", "blocks.1.norm1",
            "blocks.1.attention", "blocks.1.attention.qkv", "blocks.1.attention.projection", "blocks.1.norm2",
            "blocks.1.feedForward", "blocks.1.feedForward.layers.0", "blocks.1.feedForward.layers.1", "head"])
        #expect(withHead.parameterCount == 32 + 1200 + 8 + 1)
    }

    @Test func sharedModulesAreListedOnce() {
        final class Tied: Module {
            let first: Linear
            let second: Linear
            init(generator: inout RandomGenerator) {
                first = Linear(inputDimensions: 2, outputDimensions: 2, generator: &generator)
                second = first
            }
        }
        var generator = RandomGenerator(seed: 3)
        #expect(Tied(generator: &generator).namedParameters().map { $0.0 } == ["first.weight", "first.bias"])
    }

    @Test func buffersAreStateButNotParameters() {
        let norm = BatchNorm1d(features: 3)
        #expect(norm.namedParameters().map { $0.0 } == ["weight", "bias"])
        #expect(norm.namedBuffers().map { $0.0 } == ["runningMean", "runningVariance"])
        #expect(Set(norm.state().keys) == ["weight", "bias", "runningMean", "runningVariance"])
    }

    @Test func trainAndEvalReachEveryModule() {
        var generator = RandomGenerator(seed: 4)
        let model = TinyEncoder(withHead: true, generator: &generator)
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.1.isTraining })
        model.train()
        #expect(model.namedModules().allSatisfy { $0.1.isTraining })
    }

    @Test func freezeStopsGradientsAndUnfreezeRestoresThem() {
        var generator = RandomGenerator(seed: 5)
        let layer = Linear(inputDimensions: 2, outputDimensions: 1, generator: &generator)
        layer(Tensor.ones([1, 2])).sum().backward()
        #expect(layer.weight.grad != nil)
        layer.freeze()
        #expect(layer.parameters().allSatisfy { !$0.requiresGrad && $0.grad == nil })
        #expect(!layer(Tensor.ones([1, 2])).requiresGrad)
        layer.unfreeze()
        layer(Tensor.ones([1, 2])).sum().backward()
        #expect(layer.parameters().allSatisfy { $0.requiresGrad && $0.grad != nil })
        layer.zeroGrad()
        #expect(layer.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func stateRoundTripsIntoAnotherInstance() throws {
        var generator = RandomGenerator(seed: 6)
        let source = TinyEncoder(withHead: true, generator: &generator)
        let target = TinyEncoder(withHead: true, generator: &generator)
        let targetWeight = target.tokenizer.weight
        try target.loadState(source.state())
        for ((name, a), (_, b)) in zip(source.namedParameters() + source.namedBuffers(), target.namedParameters() + target.namedBuffers()) {
            #expect(a.scalars == b.scalars, "\(name)")
        }
        #expect(target.tokenizer.weight === targetWeight, "loading copies in place")
    }

    @Test func loadStateReportsEveryMismatchAndChangesNothing() {
        var generator = RandomGenerator(seed: 7)
        let model = MLP(dimensions: [2, 3, 1], activation: .relu, generator: &generator)
        let before = model.state()
        var state = before
        state["layers.0.weight"] = Tensor.zeros([4, 2])
        state["layers.1.bias"] = nil
        state["extra"] = Tensor.zeros([1])
        state["layers.0.bias"] = Tensor.zeros([3])
        do {
            try model.loadState(state)
            Issue.record("loadState accepted a mismatching state")
        } catch let mismatch as StateMismatch {
            #expect(mismatch.missing == ["layers.1.bias"])
            #expect(mismatch.unexpected == ["extra"])
            #expect(mismatch.shapeMismatches == [.init(name: "layers.0.weight", expected: [3, 2], found: [4, 2])])
            #expect(mismatch.description == """
                state does not match:
                  missing keys: layers.1.bias
                  unexpected keys: extra
                  shape mismatch for layers.0.weight: expected [3, 2], found [4, 2]
                """)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(model.layers[0].bias!.scalars == before["layers.0.bias"]!.scalars, "nothing loaded after a failed check")
    }

    @Test func nonStrictLoadSkipsMissingAndUnexpectedNames() throws {
        var generator = RandomGenerator(seed: 8)
        let model = Linear(inputDimensions: 2, outputDimensions: 1, generator: &generator)
        try model.loadState(["weight": Tensor(shape: [1, 2], scalars: [7, 8]), "other": Tensor.zeros([5])], strict: false)
        #expect(model.weight.scalars == [7, 8])
        #expect(throws: StateMismatch.self) { try model.loadState(["weight": Tensor.zeros([2, 2])], strict: false) }
    }
}
