import Testing
@testable import SensorPretrain
import SensorTensor

@Suite struct PretrainMaskingTests {
    static let layout = PatchLayout(modalities: [
        ModalityPatching(name: "ppg", channels: 1, patchSamples: 2, tokenCount: 10),
        ModalityPatching(name: "acc", channels: 3, patchSamples: 2, tokenCount: 8),
        ModalityPatching(name: "temp", channels: 1, patchSamples: 2, tokenCount: 3),
    ])

    /// Per modality, per window, the masked positions.
    func positions(_ strategy: MaskingStrategy, batch: Int = 6, seed: UInt64 = 21) -> [[[Int]]] {
        var generator = RandomGenerator(seed: seed)
        let masks = TokenMasking.masks(strategy, layout: Self.layout, batch: batch, generator: &generator)
        return zip(Self.layout.modalities, masks).map { modality, mask in
            let values = mask.scalars, tokens = modality.tokenCount
            #expect(mask.shape == [batch, tokens, 1])
            #expect(values.allSatisfy { $0 == 0 || $0 == 1 })
            return (0..<batch).map { row in (0..<tokens).filter { values[row * tokens + $0] == 1 } }
        }
    }

    @Test func randomMaskingHidesTheRatioOfEveryModality() {
        let masked = positions(.random(ratio: 0.5))
        #expect(masked[0].allSatisfy { $0.count == 5 })
        #expect(masked[1].allSatisfy { $0.count == 4 })
        #expect(masked[2].allSatisfy { $0.count == 1 })
        #expect(Set(masked[0].map { $0 }).count > 1, "positions should differ between windows")
    }

    @Test func temporalBlocksAreContiguousSpans() {
        let masked = positions(.temporalBlock(ratio: 0.3), batch: 20)
        for (modality, expected) in zip(masked, [3, 2, 1]) {
            for row in modality {
                #expect(row.count == expected)
                #expect(row.last! - row.first! == expected - 1, "span \(row) is not contiguous")
            }
        }
        #expect(Set(masked[0].map { $0.first! }).count > 1, "start positions should vary")
    }

    @Test func forecastingHidesTheLastTokens() {
        let masked = positions(.forecast(ratio: 0.25))
        #expect(masked[0].allSatisfy { $0 == [8, 9] })
        #expect(masked[1].allSatisfy { $0 == [6, 7] })
        #expect(masked[2].allSatisfy { $0 == [2] })
    }

    @Test func namedModalityMaskingHidesExactlyThatModality() {
        let masked = positions(.modality(target: "acc"))
        #expect(masked[0].allSatisfy { $0.isEmpty })
        #expect(masked[1].allSatisfy { $0 == Array(0..<8) })
        #expect(masked[2].allSatisfy { $0.isEmpty })
    }

    @Test func randomModalityMaskingHidesOneWholeModalityPerWindow() {
        let masked = positions(.modality(target: nil), batch: 30)
        var chosen = Set<Int>()
        for row in 0..<30 {
            let hidden = (0..<3).filter { !masked[$0][row].isEmpty }
            #expect(hidden.count == 1)
            if let modality = hidden.first {
                #expect(masked[modality][row].count == Self.layout.modalities[modality].tokenCount)
                chosen.insert(modality)
            }
        }
        #expect(chosen == [0, 1, 2])
    }

    /// Two modalities; squared errors 1·(2²+0²) and 1·(1²) on the weighted patches, 4 + 3 counted values.
    @Test func reconstructionLossCountsOnlyWeightedPatches() {
        let predictions = [Tensor(shape: [1, 2, 2], scalars: [2, 0, 5, 5]), Tensor(shape: [1, 1, 3], scalars: [1, 0, 0])]
        let targets = [Tensor(shape: [1, 2, 2], scalars: [0, 0, 1, 1]), Tensor(shape: [1, 1, 3], scalars: [0, 0, 0])]
        let weights = [Tensor(shape: [1, 2, 1], scalars: [1, 0]), Tensor(shape: [1, 1, 1], scalars: [1])]
        let result = ReconstructionLoss.maskedMeanSquaredError(predictions: predictions, targets: targets, weights: weights)
        #expect(abs(result.total.item - 5.0 / 5) < 1e-6)
        #expect(result.perModality == [2, 1.0 / 3])
        // Changing (even to NaN) the target of the unweighted patch leaves the loss unchanged ...
        let changed = [Tensor(shape: [1, 2, 2], scalars: [0, 0, .nan, 9]), targets[1]]
        let same = ReconstructionLoss.maskedMeanSquaredError(predictions: predictions, targets: changed, weights: weights)
        #expect(same.total.item == result.total.item)
        // ... changing a weighted one does not.
        let weighted = [Tensor(shape: [1, 2, 2], scalars: [1, 0, 1, 1]), targets[1]]
        #expect(ReconstructionLoss.maskedMeanSquaredError(predictions: predictions, targets: weighted, weights: weights).total.item != result.total.item)
    }

    @Test func reconstructionGradientReachesOnlyWeightedPatches() {
        let prediction = Tensor(shape: [1, 3, 2], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let weights = Tensor(shape: [1, 3, 1], scalars: [0, 1, 0])
        let result = ReconstructionLoss.maskedMeanSquaredError(predictions: [prediction], targets: [Tensor.zeros([1, 3, 2])],
                                                               weights: [weights])
        result.total.backward()
        // d/dp of Σ p² / 2 over the weighted patch: p.
        #expect(prediction.grad!.scalars == [0, 0, 3, 4, 0, 0])
    }
}
