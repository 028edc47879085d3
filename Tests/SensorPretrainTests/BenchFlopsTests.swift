import Testing
@testable import SensorPretrain

@Suite struct BenchFlopsTests {
    /// The SPEC pins the counted matrix-product FLOPs per step: A 22.01 GFLOP, B 43.80 GFLOP.
    @Test func flopsPerStepMatchTheSpec() {
        #expect(BenchSmall.flopsPerStep(objective: "A") == 22_006_923_264)
        #expect(BenchSmall.flopsPerStep(objective: "B") == 43_797_184_512)
    }

    @Test func benchLayoutHasSixtySixTokens() {
        #expect(PatchLayout.benchSmall.tokenCount == 66)
        #expect(PatchLayout.benchSmall.modalities.map(\.patchValues) == [64, 96, 20])
    }
}
