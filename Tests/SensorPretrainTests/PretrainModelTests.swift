import Testing
@testable import SensorPretrain
import SensorNN
import SensorTensor

@Suite struct PretrainModelTests {
    static let allObjectives: [ObjectiveSpec] = [
        ObjectiveSpec(.maskedReconstruction(masking: .random(ratio: 0.5))),
        ObjectiveSpec(.maskedReconstruction(masking: .forecast(ratio: 0.25)), weight: 0.5, name: "forecast"),
        ObjectiveSpec(.simCLR(projectionDimensions: 8, temperature: 0.2), weight: 0.5),
        ObjectiveSpec(.crossModal(projectionDimensions: 8, temperature: 0.2), weight: 0.5),
        ObjectiveSpec(.subjectAware(projectionDimensions: 8, temperature: 0.2, koLeoWeight: 0.1, momentum: 0.9), weight: 0.5),
    ]

    @Test func combinedLossIsTheWeightedSumOfTheLoggedTerms() throws {
        var generator = RandomGenerator(seed: 1)
        let model = try PretrainingModel(encoder: .transformer(Tiny.transformer), objectives: Self.allObjectives,
                                         generator: &generator)
        let batch = Tiny.batch(subjects: [0, 0, 1, 1, 2, 2], generator: &generator)
        let losses = model.losses(batch: batch, generator: &generator)
        let expected = Self.allObjectives.reduce(Float(0)) { $0 + $1.weight * losses[$1.name]! }
        #expect(abs(losses.total.item - expected) < 1e-4 * max(1, abs(expected)))
        for name in ["reconstruction.ppg", "reconstruction.acc", "reconstruction.temp", "forecast.temp",
                     "cross_modal.ppg-acc", "cross_modal.acc-temp", "subject.koleo", "subject.infonce",
                     "collapse.embedding_std", "collapse.effective_rank"] {
            #expect(losses[name]?.isFinite == true, "missing or non-finite term \(name)")
        }
        #expect(losses["subject.positives"] == 1)
    }

    @Test func targetsAreCheckpointedButNotOptimized() throws {
        var generator = RandomGenerator(seed: 2)
        let model = try PretrainingModel(encoder: .transformer(Tiny.transformer), objectives: Self.allObjectives,
                                         generator: &generator)
        let names = model.namedParameters().map(\.0)
        #expect(names.contains("encoder.maskToken"))
        #expect(names.contains("objectives.4.targetEncoder.maskToken"))
        #expect(names.contains("objectives.0.heads.2.weight"))
        let optimized = model.optimizedParameters().map(\.0)
        #expect(!optimized.contains { $0.contains("target") })
        let subject = try #require(model.objectives[4] as? SubjectAwareObjective)
        #expect(optimized.count + subject.targetEncoder.parameters().count + subject.targetProjector.parameters().count == names.count)
        #expect(model.state().keys.contains("objectives.4.targetProjector.layers.1.weight"))
    }

    @Test func tinyModelsLossFallsOverThirtySteps() throws {
        for encoder in [EncoderSpec.transformer(Tiny.transformer), .resNet(Tiny.resNet)] {
            var generator = RandomGenerator(seed: 3)
            let model = try PretrainingModel(encoder: encoder, objectives: Self.allObjectives, generator: &generator)
            let batch = Tiny.batch(subjects: [0, 0, 1, 1, 2, 2, 3, 3], generator: &generator)
            let optimizer = AdamW(parameters: model.optimizedParameters(), learningRate: 3e-3, weightDecay: 0)
            var history: [Float] = []
            for _ in 0..<30 {
                optimizer.zeroGrad()
                let losses = model.losses(batch: batch, generator: &generator)
                losses.total.backward()
                optimizer.step()
                model.updateMomentumTargets()
                history.append(losses.total.item)
            }
            let early = history.prefix(5).reduce(0, +) / 5, late = history.suffix(5).reduce(0, +) / 5
            #expect(late < 0.8 * early, "\(encoder): loss \(early) -> \(late)")
        }
    }

    @Test func absentAndNaNModalitiesBecomeMaskTokens() throws {
        var generator = RandomGenerator(seed: 4)
        let objectives = [ObjectiveSpec(.maskedReconstruction(masking: .modality(target: "ppg")))]
        let model = try PretrainingModel(encoder: .transformer(Tiny.transformer), objectives: objectives, generator: &generator)
        let windows = Tiny.windows(subjects: [0, 1, 2], generator: &generator)
        let nanAcc = Tensor(shape: windows[1].shape, repeating: .nan)
        let otherAcc = Tensor.normal(windows[1].shape, generator: &generator)
        func loss(_ acc: Tensor?) -> Float {
            var draws = RandomGenerator(seed: 9)
            let batch = PretrainingBatch(windows: [windows[0], acc, windows[2]], subjects: ["a", "b", "c"])
            return model.losses(batch: batch, generator: &draws).total.item
        }
        let absent = loss(nil)
        #expect(absent.isFinite)
        #expect(loss(nanAcc) == absent)
        #expect(loss(otherAcc) != absent)
    }

    @Test func partlyMissingPatchesAreMaskedAndNotScored() {
        let modality = Tiny.layout.modalities[0]
        var values = (0..<(2 * modality.windowSamples)).map { Float($0 % 7) }
        values[9] = .nan                                  // window 0, token 1
        values[modality.windowSamples + 31] = .infinity  // window 1, token 3
        let view = PreparedView(layout: Tiny.layout,
                                windows: [Tensor(shape: [2, modality.windowSamples, 1], scalars: values), nil, nil], batch: 2)
        #expect(view.missing[0].scalars == [0, 1, 0, 0, 0, 0, 0, 1])
        #expect(view.missing[1].scalars.allSatisfy { $0 == 1 } && view.missing[2].scalars.allSatisfy { $0 == 1 })
        #expect(view.patches[0].scalars.allSatisfy { $0.isFinite })
        #expect(view.patches[0].scalars[9] == 0)
    }

    @Test func configurationErrorsNameTheObjective() {
        var generator = RandomGenerator(seed: 5)
        let encoder = EncoderSpec.transformer(Tiny.transformer)
        #expect(throws: PretrainingConfigurationError.noObjectives) {
            try PretrainingModel(encoder: encoder, objectives: [], generator: &generator)
        }
        #expect(throws: PretrainingConfigurationError.duplicateObjectiveName("simclr")) {
            try PretrainingModel(encoder: encoder, objectives: [ObjectiveSpec(.simCLR(projectionDimensions: 4, temperature: 0.1)),
                                                                ObjectiveSpec(.simCLR(projectionDimensions: 4, temperature: 0.1))],
                                 generator: &generator)
        }
        let unknown = PretrainingConfigurationError.unknownModality(objective: "reconstruction", modality: "eda",
                                                                    known: ["ppg", "acc", "temp"])
        #expect(throws: unknown) {
            try PretrainingModel(encoder: encoder, objectives: [ObjectiveSpec(.maskedReconstruction(masking: .modality(target: "eda")))],
                                 generator: &generator)
        }
        #expect(unknown.description.contains("\"eda\"") && unknown.description.contains("ppg, acc, temp"))
        #expect(throws: PretrainingConfigurationError.invalidParameter(objective: "subject", parameter: "momentum", value: 1,
                                                                       expected: "a value in [0, 1)")) {
            try PretrainingModel(encoder: encoder, objectives: [ObjectiveSpec(.subjectAware(projectionDimensions: 4, temperature: 0.1,
                                                                                            koLeoWeight: 0, momentum: 1))],
                                 generator: &generator)
        }
    }
}
