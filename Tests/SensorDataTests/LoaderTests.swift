import Foundation
import Testing
import SensorTensor
@testable import SensorData

@Suite struct LoaderTests {
    static func windows() throws -> WindowSet {
        let configuration = SyntheticCohort.Configuration(subjects: 2, hours: 150.0 / 3600, seed: 8, schedule: .balanced(segmentSeconds: 30))
        let recordings = SyntheticCohort.generate(configuration)
        let windowing = WindowingConfiguration(windowSeconds: 10, strideSeconds: 5, modalities: WindowingConfiguration.wristModalities,
                                               labels: WindowingConfiguration.cohortLabels)
        var set = try WindowExtractor.emptySet(like: recordings[0], configuration: windowing)
        var report = WindowQualityReport()
        for recording in recordings { try WindowExtractor.extract(recording, configuration: windowing, into: &set, report: &report) }
        return set
    }

    static func contents(_ batch: Batch) -> [[UInt32]] {
        batch.views.flatMap { view in view.keys.sorted().map { view[$0]!.scalars.map(\.bitPattern) } } + [batch.windowIndices.map(UInt32.init)]
    }

    @Test func batchesAreDeterministicWhateverThePrefetchTiming() throws {
        let set = try Self.windows()
        let configuration = WindowLoader.Configuration(batchSize: 7, seed: 5, augmentation: AugmentationPipeline(Augmentation.contrastiveDefaults),
                                                       views: 2, prefetchDepth: 2)
        let first = WindowLoader(windows: set, configuration: configuration)
        let second = WindowLoader(windows: set, configuration: configuration)
        var slowConsumer: [[[UInt32]]] = []
        for batch in first.epoch(1) {
            Thread.sleep(forTimeInterval: 0.002)
            slowConsumer.append(Self.contents(batch))
        }
        let direct = (0..<second.batchesPerEpoch).map { Self.contents(second.batch(epoch: 1, index: $0)) }
        #expect(slowConsumer.count == first.batchesPerEpoch && slowConsumer == direct)
        let otherEpoch = Array(second.epoch(2)).map(Self.contents)
        #expect(otherEpoch != direct)
        let batch = first.batch(epoch: 1, index: 0)
        #expect(batch.views.count == 2 && batch.inputs["ppg"]!.shape == [7, 640, 1] && batch.inputs["acc"]!.shape == [7, 320, 3])
        #expect(batch.views[0]["ppg"]!.scalars != batch.views[1]["ppg"]!.scalars)
        #expect(batch.valueLabels["heart_rate"]!.shape == [7] && batch.classLabels["activity"]!.count == 7)
    }

    @Test func anEpochVisitsEveryWindowOnceInASeededOrder() throws {
        let set = try Self.windows()
        let loader = WindowLoader(windows: set, configuration: .init(batchSize: 8, seed: 1))
        let seen = Array(loader.epoch(0)).flatMap(\.windowIndices)
        #expect(seen.sorted() == Array(0..<set.windowCount))
        #expect(seen != Array(0..<set.windowCount))
        #expect(seen == loader.order(epoch: 0) && loader.order(epoch: 0) != loader.order(epoch: 1))
        let dropping = WindowLoader(windows: set, configuration: .init(batchSize: 8, dropLast: true, seed: 1))
        #expect(Array(dropping.epoch(0)).allSatisfy { $0.size == 8 } && dropping.batchesPerEpoch == set.windowCount / 8)
        var early = loader.epoch(3)
        #expect(early.next() != nil)
    }

    @Test func perWindowNormalisationZScoresEachChannelAndZeroesMissingValues() throws {
        var set = try Self.windows()
        set.values["ppg"]![3] = .nan
        let loader = WindowLoader(windows: set, configuration: .init(batchSize: 4, shuffle: false, normalisation: .perWindow))
        let batch = loader.batch(epoch: 0, index: 0)
        let acc = batch.inputs["acc"]!.scalars
        for window in 0..<4 {
            for channel in 0..<3 {
                let values = (0..<320).map { Double(acc[window * 960 + $0 * 3 + channel]) }
                let mean = values.reduce(0, +) / 320
                let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 320).squareRoot()
                #expect(abs(mean) < 1e-4 && abs(deviation - 1) < 1e-3, "window \(window) channel \(channel): mean \(mean), std \(deviation)")
            }
        }
        #expect(batch.inputs["ppg"]!.scalars[3] == 0 && batch.inputs["ppg"]!.scalars.allSatisfy { !$0.isNaN })
        let statistics = WindowNormalisation.statistics(["temp": ChannelStatistics(mean: [33], standardDeviation: [0.5])])
        let fixed = WindowLoader(windows: set, configuration: .init(batchSize: 4, shuffle: false, normalisation: statistics))
        let raw = set.values["temp"]![0]
        #expect(abs(fixed.batch(epoch: 0, index: 0).inputs["temp"]!.scalars[0] - (raw - 33) / 0.5) < 1e-5)
    }
}
