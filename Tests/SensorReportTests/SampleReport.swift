import Foundation
@testable import SensorReport

/// A deterministic report with every section filled, including strings that must be escaped. The numbers come
/// from closed-form curves, not from any code under test.
enum SampleReport {
    static let hostileLabel = "<script>alert(\"x\")</script> & 'quoted'"

    static func make() -> Report {
        let steps = stride(from: 0, through: 200, by: 10)
        func series(_ key: String, start: Double, rate: Double) -> MetricSeries {
            MetricSeries(key: key, points: steps.map { .init(step: $0, value: start * exp(-rate * Double($0)) + 0.1) })
        }
        let curves = TrainingCurves(runName: "pretrain-smoke", series: [
            series("loss", start: 2.0, rate: 0.015),
            series("loss.masked", start: 1.2, rate: 0.02),
            series("loss.contrastive", start: 0.8, rate: 0.01),
            series("loss.masked.ppg", start: 0.7, rate: 0.02),
            series("loss.masked.accelerometer", start: 0.5, rate: 0.025),
            MetricSeries(key: "lr", points: steps.map { .init(step: $0, value: 0.001 * min(1, Double($0 + 10) / 50)) }),
        ])
        let fractions = [0.01, 0.05, 0.25, 1.0]
        func efficiency(_ method: String, base: Double, gain: Double) -> LabelEfficiencyStudy.Series {
            .init(method: method, points: fractions.map { fraction in
                let value = base + gain * (1 + log10(fraction) / 2)
                return .init(fraction: fraction, estimate: Estimate(value: value, lower: value - 0.04, upper: value + 0.03))
            })
        }
        let study = LabelEfficiencyStudy(task: "activity", metric: "balanced accuracy", series: [
            efficiency(LabelEfficiencyStudy.Series.pretrainedProbe, base: 0.55, gain: 0.3),
            efficiency(LabelEfficiencyStudy.Series.pretrainedFineTune, base: 0.5, gain: 0.38),
            efficiency(LabelEfficiencyStudy.Series.scratch, base: 0.3, gain: 0.5),
            efficiency(LabelEfficiencyStudy.Series.features, base: 0.45, gain: 0.25),
        ])
        let labels = ["sitting", "walking", "cycling", hostileLabel]
        let counts = (0..<4).map { row in (0..<4).map { column in row == column ? 40 + 5 * row : (row + 2 * column) % 7 } }
        let baPoints = (0..<60).map { index -> BlandAltmanPlot.Point in
            let mean = 60 + Double(index)
            return .init(mean: mean, difference: 1.5 + 4 * sin(Double(index) * 0.7))
        }
        let embedding = (0..<80).map { index -> EmbeddingMap.Point in
            let cluster = index % 4
            let angle = Double(index) * 0.9
            return .init(x: Double(cluster) * 3 + cos(angle), y: Double(cluster % 2) * 2 + sin(angle), label: labels[cluster])
        }
        let table = MetricTable(title: "Activity (test subjects)", note: "95 % CI by bootstrap over subjects (1,000 resamples).", entries: [
            .init(row: "pretrained probe", metric: "accuracy", estimate: Estimate(value: 0.8512, lower: 0.8123, upper: 0.8889)),
            .init(row: "pretrained probe", metric: "macro-F1", estimate: Estimate(value: 0.8, lower: 0.75, upper: 0.84)),
            .init(row: "scratch", metric: "accuracy", estimate: Estimate(value: 0.7, lower: 0.65, upper: 0.75)),
            .init(row: "scratch | baseline", metric: "macro-F1", estimate: Estimate(value: 0.61)),
        ])
        let edge = EdgeSection(
            budgets: [
                .init(model: "teacher", parameters: 1_204_224, weightBytes: 4_816_896, arenaBytes: 262_144,
                      multiplyAccumulates: 38_000_000, latencyMilliseconds: 210.5, device: "cortex-m7"),
                .init(model: "student int8", parameters: 52_000, weightBytes: 52_000, arenaBytes: 24_576,
                      multiplyAccumulates: 1_500_000, latencyMilliseconds: 8.25, device: "cortex-m7"),
            ],
            limits: [.init(device: "cortex-m7", weightBytes: 1_048_576, arenaBytes: 131_072, latencyMilliseconds: 50)],
            comparisons: [.init(student: "student int8", metric: "accuracy", studentValue: Estimate(value: 0.83, lower: 0.79, upper: 0.87),
                                teacherValue: Estimate(value: 0.85, lower: 0.81, upper: 0.89))])
        let run = RunProvenance(
            name: "pretrain-smoke", configText: "model:\n  width: 64 # <b>not bold</b> & more\nseed: 7\n",
            codeVersion: "e2424ee", dataManifestHash: "sha256:4f2a", seeds: [7, 8], machine: "x86_64, 8 threads",
            details: ["test subjects": "S07, S11", "checkpoint": "best.safetensors"])
        return Report(title: "SensorFM report: smoke", runs: [run], trainingCurves: [curves], labelEfficiency: [study],
                      confusionMatrices: [ConfusionMatrix(title: "Activity, pretrained probe", labels: labels, counts: counts)],
                      blandAltman: [BlandAltmanPlot(title: "Heart rate, pretrained fine-tune", unit: "bpm", points: baPoints,
                                                    bias: 1.5, lowerLimit: -4.2, upperLimit: 7.2)],
                      embeddingMaps: [EmbeddingMap(title: "Test windows", xAxisTitle: "PC 1 (31 %)", yAxisTitle: "PC 2 (12 %)", points: embedding)],
                      metricTables: [table], edge: edge, warnings: ["fraction 1% left class \(hostileLabel) with one window"])
    }
}
