import Foundation
import Testing
@testable import SensorData
@testable import SensorEval
import SensorTensor

@Suite struct EvalBaselineTests {
    /// A PPG-like pulse train: a systolic peak and a smaller dicrotic wave per beat, baseline drift
    /// and a little noise, at `bpm` beats per minute.
    private func pulse(bpm: Double, seconds: Double, rate: Double, seed: UInt64) -> [Double] {
        var generator = RandomGenerator(seed: seed)
        let beat = 60 / bpm
        return (0..<Int(seconds * rate)).map { i in
            let t = Double(i) / rate, phase = t.truncatingRemainder(dividingBy: beat) / beat
            let systolic = exp(-pow((phase - 0.2) / 0.07, 2)), dicrotic = 0.35 * exp(-pow((phase - 0.5) / 0.09, 2))
            return systolic + dicrotic + 0.3 * sin(2 * Double.pi * 0.1 * t) + 0.03 * Double(generator.nextNormal())
        }
    }

    @Test func peakDetectionRecoversHeartRateOfCleanPulse() throws {
        let estimator = PeakDetectionHeartRate()
        for bpm in [55.0, 72, 128] {
            let estimate = try #require(estimator.heartRate(pulse(bpm: bpm, seconds: 30, rate: 64, seed: 4), rate: 64))
            #expect(abs(estimate - bpm) < 2, "true \(bpm), estimated \(estimate)")
        }
        #expect(estimator.heartRate([Double](repeating: 1, count: 256), rate: 64) == nil)
    }

    @Test func peakDetectionOnWindowsFallsBackToMedianWithoutNaN() throws {
        var set = makeWindowSet(samples: 512)
        set.appendTestWindow(pulse(bpm: 72, seconds: 8, rate: 64, seed: 1).map(Float.init), subject: "s0", classIndex: 0, value: 72)
        set.appendTestWindow([Float](repeating: 0, count: 512), subject: "s0", classIndex: 0, value: 72)
        let (values, undetected) = try PeakDetectionHeartRate().estimate(windows: set, indices: [0, 1])
        #expect(undetected == 1)
        #expect(values.allSatisfy { abs($0 - 72) < 3 }, "\(values)")
    }

    @Test func fourierTransformFindsSineFrequency() {
        let rate = 32.0, signal = (0..<256).map { sin(2 * Double.pi * 3 * Double($0) / rate) }
        let (power, length) = FourierTransform.powerSpectrum(signal)
        #expect(length == 256)
        #expect((0..<power.count).max { power[$0] < power[$1] } == 24)  // 3 Hz · 256 / 32 Hz
        let features = ClassicalFeatures.channelFeatures(signal, rate: rate)
        #expect(features.count == ClassicalFeatures.featuresPerChannel)
        #expect(abs(features.last! - 3) < 1e-9)
        // The 2–4 Hz band (index 3 of the band shares, after 10 statistics) holds all the power.
        #expect(abs(features[10 + 3] - 1) < 1e-6)
    }

    @Test func ridgeMatchesClosedForm() {
        // Closed form with an unpenalised bias: centre X and y, w = (XcᵀXc + λI)⁻¹ Xcᵀ yc, b = ȳ − x̄ᵀw.
        let x: [[Double]] = [[1, 2], [2, 0], [3, 5], [4, 1], [0, 3]], y: [Double] = [3, 1, 9, 2, 4]
        let lambda = 0.7, n = Double(x.count)
        let mean0 = x.map { $0[0] }.reduce(0, +) / n, mean1 = x.map { $0[1] }.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var a = 0.0, b = 0.0, d = 0.0, r0 = 0.0, r1 = 0.0
        for (row, target) in zip(x, y) {
            let u = row[0] - mean0, v = row[1] - mean1, t = target - meanY
            a += u * u; b += u * v; d += v * v; r0 += u * t; r1 += v * t
        }
        a += lambda; d += lambda
        let determinant = a * d - b * b
        let w0 = (d * r0 - b * r1) / determinant, w1 = (a * r1 - b * r0) / determinant
        let bias = meanY - mean0 * w0 - mean1 * w1
        let ridge = RidgeRegression(features: x.flatMap { $0 }, targets: y, regularization: lambda)
        #expect(abs(ridge.weights[0] - w0) < 1e-4 && abs(ridge.weights[1] - w1) < 1e-4, "\(ridge.weights) vs \([w0, w1])")
        #expect(abs(ridge.bias - bias) < 1e-4)
        #expect(abs(ridge.predict([1, 1])[0] - (bias + w0 + w1)) < 1e-4)
    }

    @Test func logisticRegressionSeparatesSeparableToySet() {
        var generator = RandomGenerator(seed: 2)
        var features: [Double] = [], classes: [Int] = []
        let centres: [[Double]] = [[-2, 0], [2, 0], [0, 2.5]]
        for c in 0..<3 {
            for _ in 0..<20 {
                features += centres[c].map { $0 + 0.3 * Double(generator.nextNormal()) }
                classes.append(c)
            }
        }
        let model = LogisticRegression(features: features, classes: classes, classCount: 3)
        let probabilities = model.probabilities(features)
        let predicted = classes.indices.map { row in (0..<3).max { probabilities[row * 3 + $0] < probabilities[row * 3 + $1] }! }
        #expect(predicted == classes)
        #expect(abs(probabilities[0..<3].reduce(0, +) - 1) < 1e-9)
    }

    @Test func featureBaselineClassifiesFrequencyAndRegressesScale() throws {
        var set = makeWindowSet(samples: 128, rate: 32)
        var generator = RandomGenerator(seed: 9)
        for subject in 0..<6 {
            for w in 0..<12 {
                let high = w % 2 == 1, amplitude = Float(1 + w % 4)
                let frequency: Float = high ? 6 : 1.5, phase = generator.nextUniform() * 6
                let signal = (0..<128).map { amplitude * sin(2 * Float.pi * frequency * Float($0) / 32 + phase) + 0.05 * generator.nextNormal() }
                set.appendTestWindow(signal, subject: "s\(subject)", classIndex: high ? 1 : 0, value: 50 + 10 * amplitude)
            }
        }
        let classes = try TaskTargets(task: TaskSpec(name: "activity", label: "activity", kind: .classification, classNames: ["a", "b"]), windows: set)
        let training = classes.restricted(toSubjects: ["s0", "s1", "s2", "s3"]), test = classes.restricted(toSubjects: ["s4", "s5"])
        let predicted = try FeatureBaseline().fitAndPredict(windows: set, training: training, test: test)
        #expect(predicted.classes == test.classes)
        let values = try TaskTargets(task: TaskSpec(name: "heart_rate", label: "heart_rate", kind: .regression, unit: "bpm"), windows: set)
        let regressed = try FeatureBaseline().fitAndPredict(windows: set, training: values.restricted(toSubjects: ["s0", "s1", "s2", "s3"]),
                                                            test: values.restricted(toSubjects: ["s4", "s5"]))
        let truth = values.restricted(toSubjects: ["s4", "s5"]).values
        #expect(try #require(RegressionMetrics.meanAbsoluteError(predictions: regressed.values, references: truth)) < 3)
    }
}
