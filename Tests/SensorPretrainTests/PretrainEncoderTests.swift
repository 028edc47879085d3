import Testing
@testable import SensorPretrain
import SensorNN
import SensorTensor

@Suite struct PretrainEncoderTests {
    static func patches(batch: Int, seed: UInt64) -> [Tensor] {
        var generator = RandomGenerator(seed: seed)
        return Tiny.layout.patchify(Tiny.windows(subjects: Array(0..<batch), generator: &generator))
    }

    @Test func resNetProducesTokensEmbeddingsAndModalityEmbeddings() {
        var generator = RandomGenerator(seed: 31)
        let encoder = ResNetEncoder(configuration: Tiny.resNet, generator: &generator)
        let input = Self.patches(batch: 3, seed: 1)
        #expect(encoder.tokens(input, mask: nil).shape == [3, 10, 16])
        #expect(encoder.embed(input, mask: Tensor.ones([3, 10, 1])).shape == [3, 16])
        #expect(encoder.modalityEmbeddings(input, mask: nil).map(\.shape) == [[3, 16], [3, 16], [3, 16]])
        // PPG and accelerometer patches (8 and 4 samples) halve twice; temperature's 2 samples once.
        #expect(encoder.stems.map { $0.blocks.map { $0.shortcut != nil } } == [[true, true], [true, true], [true, false]])
        #expect(encoder.stems.map(\.poolSize) == [2, 1, 1])
    }

    @Test func resNetIgnoresTheValuesOfMaskedPatches() {
        var generator = RandomGenerator(seed: 32)
        let encoder = ResNetEncoder(configuration: Tiny.resNet, generator: &generator)
        encoder.eval()
        let input = Self.patches(batch: 2, seed: 2)
        var maskValues = [Float](repeating: 0, count: 20)
        maskValues[1] = 1; maskValues[10 + 5] = 1
        let mask = Tensor(shape: [2, 10, 1], scalars: maskValues)
        let changed = input.map { $0.copy() }
        changed[0][element: 8] += 3       // window 0, PPG token 1
        changed[1][element: 48 + 12] -= 2 // window 1 (48 values per window), accelerometer token 1 (token 5 overall)
        expectAllClose(encoder.tokens(changed, mask: mask).scalars, encoder.tokens(input, mask: mask).scalars, tolerance: 0)
        #expect(encoder.tokens(changed, mask: nil).scalars != encoder.tokens(input, mask: nil).scalars)
    }

    @Test func modalityEmbeddingsSeeOnlyTheirOwnModality() {
        var generator = RandomGenerator(seed: 33)
        let encoders: [any Encoder] = [PatchEncoder(configuration: Tiny.transformer, generator: &generator),
                                       ResNetEncoder(configuration: Tiny.resNet, generator: &generator)]
        for encoder in encoders {
            encoder.eval()
            let input = Self.patches(batch: 2, seed: 3)
            let changed = [input[0], input[1].copy(), input[2]]
            changed[1][element: 0] += 5
            let before = encoder.modalityEmbeddings(input, mask: nil), after = encoder.modalityEmbeddings(changed, mask: nil)
            expectAllClose(after[0].scalars, before[0].scalars, tolerance: 1e-6, "\(type(of: encoder)) ppg")
            expectAllClose(after[2].scalars, before[2].scalars, tolerance: 1e-6, "\(type(of: encoder)) temp")
            #expect(after[1].scalars != before[1].scalars)
        }
    }

    @Test func copiesHaveEqualButSeparateState() {
        var generator = RandomGenerator(seed: 34)
        let encoders: [any Encoder] = [PatchEncoder(configuration: Tiny.transformer, generator: &generator),
                                       ResNetEncoder(configuration: Tiny.resNet, generator: &generator)]
        for encoder in encoders {
            let copy = encoder.makeCopy()
            let original = encoder.state(), copied = copy.state()
            #expect(original.keys.sorted() == copied.keys.sorted())
            for (name, tensor) in original { #expect(copied[name]!.scalars == tensor.scalars, "\(name)") }
            #expect(!zip(encoder.parameters(), copy.parameters()).contains { $0 === $1 })
        }
    }

    @Test func transformerMaskTokenReplacesMaskedTokens() {
        var generator = RandomGenerator(seed: 35)
        let encoder = PatchEncoder(configuration: Tiny.transformer, generator: &generator)
        let input = Self.patches(batch: 1, seed: 4)
        let changed = input.map { $0.copy() }
        changed[2][element: 0] += 4 // temperature token 0 = token 8 overall
        var maskValues = [Float](repeating: 0, count: 10)
        maskValues[8] = 1
        let mask = Tensor(shape: [1, 10, 1], scalars: maskValues)
        expectAllClose(encoder.tokens(changed, mask: mask).scalars, encoder.tokens(input, mask: mask).scalars, tolerance: 0)
    }
}
