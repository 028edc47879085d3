import Foundation
import Testing
import SensorTensor
@testable import SensorData

@Suite struct AugmentTests {
    static let layouts = [
        ModalityLayout(name: "ppg", samplingRate: 64, channelNames: ["bvp"], unit: "a.u.", samplesPerWindow: 640),
        ModalityLayout(name: "acc", samplingRate: 32, channelNames: ["x", "y", "z"], unit: "g", samplesPerWindow: 320),
        ModalityLayout(name: "temp", samplingRate: 4, channelNames: ["temp"], unit: "°C", samplesPerWindow: 40),
    ]

    /// Runs `augmentation` on a window whose every channel holds `value(modality, time in seconds, channel)`.
    static func augmented(_ augmentations: [Augmentation], seed: UInt64,
                          value: (Int, Double, Int) -> Float = { m, t, c in Float(sin(t * Double(m + 1) + Double(c))) })
        -> (before: [[Float]], after: [[Float]]) {
        let before = layouts.enumerated().map { m, layout in
            (0..<layout.valuesPerWindow).map { i in value(m, Double(i / layout.channelCount) / layout.samplingRate, i % layout.channelCount) }
        }
        var storage = before
        var generator = RandomGenerator(seed: seed)
        let pointers = storage.map { values -> UnsafeMutableBufferPointer<Float> in
            let pointer = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
            _ = pointer.initialize(from: values)
            return pointer
        }
        defer { pointers.forEach { $0.deallocate() } }
        AugmentationPipeline(augmentations).apply(to: WindowBuffers(layouts: layouts, buffers: pointers), generator: &generator)
        storage = pointers.map { Array($0) }
        return (before, storage)
    }

    @Test func rotationPreservesEveryFramesNormAndIsARotation() {
        let (before, after) = Self.augmented([.rotation(modality: "acc")], seed: 3)
        #expect(before[1] != after[1] && before[0] == after[0])
        for frame in 0..<320 {
            let a = (0..<3).map { Double(before[1][3 * frame + $0]) }, b = (0..<3).map { Double(after[1][3 * frame + $0]) }
            let squaredNormBefore: Double = a.map { $0 * $0 }.reduce(0, +)
            let squaredNormAfter: Double = b.map { $0 * $0 }.reduce(0, +)
            #expect(abs(squaredNormBefore - squaredNormAfter) < 1e-5)
        }
        var generator = RandomGenerator(seed: 1)
        var meanMatrix = [Double](repeating: 0, count: 9)
        let draws = 4000
        for _ in 0..<draws {
            let r = AugmentationPipeline.randomRotation(generator: &generator).map(Double.init)
            let determinant = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6])
            #expect(abs(determinant - 1) < 1e-5)
            for i in 0..<9 { meanMatrix[i] += r[i] / Double(draws) }
        }
        // A uniform rotation has E[R] = 0 (each entry has variance 1/3; 4000 draws give SD ≈ 0.009).
        #expect(meanMatrix.allSatisfy { abs($0) < 0.05 }, "mean rotation \(meanMatrix)")
    }

    @Test func jitterAddsNoiseOfTheRequestedDeviation() {
        let (before, after) = Self.augmented([.jitter(standardDeviation: 0.3)], seed: 4)
        let differences = zip(before[0], after[0]).map { Double($1 - $0) }
        let deviation = (differences.map { $0 * $0 }.reduce(0, +) / Double(differences.count)).squareRoot()
        #expect(abs(deviation - 0.3) < 0.03)
    }

    @Test func scalingMultipliesEachChannelByOneFactor() {
        let (before, after) = Self.augmented([.scaling(standardDeviation: 0.2)], seed: 5, value: { _, t, c in Float(1 + t + Double(c)) })
        for channel in 0..<3 {
            let ratios = (0..<320).map { after[1][3 * $0 + channel] / before[1][3 * $0 + channel] }
            #expect(ratios.allSatisfy { abs($0 - ratios[0]) < 1e-5 } && ratios[0] != 1)
        }
    }

    @Test func zeroStrengthWarpsShiftsAndFullCropsAreIdentities() {
        let identities: [Augmentation] = [.timeWarp(standardDeviation: 0, knots: 4), .shift(maximumFraction: 0), .crop(minimumFraction: 1),
                                          .magnitudeWarp(standardDeviation: 0, knots: 3), .jitter(standardDeviation: 0), .channelDropout(probability: 0)]
        let (before, after) = Self.augmented(identities, seed: 6)
        for m in 0..<3 { #expect(zip(before[m], after[m]).allSatisfy { abs($0 - $1) < 1e-4 }) }
    }

    /// Every modality holds its own time in seconds; after a time warp, crop and shift they must still
    /// agree at the same fraction of the window.
    @Test func timeAugmentationsKeepModalitiesAligned() {
        let (_, after) = Self.augmented([.timeWarp(standardDeviation: 0.3, knots: 4), .crop(minimumFraction: 0.7), .shift(maximumFraction: 0.2)],
                                        seed: 7, value: { _, t, _ in Float(t) })
        #expect(after[0] != Self.augmented([], seed: 7, value: { _, t, _ in Float(t) }).after[0])
        for step in 0..<40 {
            let ppg = after[0][step * 16], acc = after[1][step * 24], temp = after[2][step]
            // Past the window's ends each modality repeats its own edge sample, which differ in time.
            guard temp > 0.25 && temp < 9.5 else { continue }
            #expect(abs(ppg - temp) < 0.02 && abs(acc - temp) < 0.02, "at temperature sample \(step): \(ppg), \(acc), \(temp)")
        }
    }

    @Test func dropoutsZeroChannelsAndModalitiesButNeverEverything() {
        let (_, channels) = Self.augmented([.channelDropout(probability: 1)], seed: 8)
        #expect(channels.allSatisfy { $0.allSatisfy { $0 == 0 } })
        for seed: UInt64 in 0..<20 {
            let (before, after) = Self.augmented([.modalityDropout(probability: 1)], seed: seed)
            let kept = (0..<3).filter { after[$0] == before[$0] }
            let zeroed = (0..<3).filter { after[$0].allSatisfy { $0 == 0 } }
            #expect(kept.count == 1 && zeroed.count == 2)
        }
    }

    @Test func baselineWanderTouchesOnlyItsModalityWithASlowSinusoid() {
        let (before, after) = Self.augmented([.baselineWander(modality: "ppg", amplitude: 1, maximumFrequency: 0.5)], seed: 9)
        #expect(before[1] == after[1] && before[2] == after[2])
        let wander = zip(before[0], after[0]).map { $1 - $0 }
        #expect(wander.contains { $0 != 0 } && wander.allSatisfy { abs($0) <= 1 })
        let steps = zip(wander.dropFirst(), wander).map { abs($0 - $1) }
        #expect(steps.max()! < 2 * Float.pi * 0.5 / 64 + 1e-5)
    }

    @Test func augmentationsAreDeterministicBySeed() {
        let pipeline = Augmentation.contrastiveDefaults
        #expect(Self.augmented(pipeline, seed: 10).after == Self.augmented(pipeline, seed: 10).after)
        #expect(Self.augmented(pipeline, seed: 10).after != Self.augmented(pipeline, seed: 11).after)
    }
}
