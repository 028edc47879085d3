import Foundation
import Testing
import SensorTensor
@testable import SensorData

/// Physiology checks of the synthetic cohort, on a few minutes of signal per subject.
@Suite struct SyntheticTests {
    /// Five one-minute segments (every activity once), motion- and noise-free.
    static func cleanRecording(seed: UInt64) -> Recording {
        let configuration = SyntheticCohort.Configuration(subjects: 1, hours: 300.0 / 3600, seed: seed,
                                                          schedule: .balanced(segmentSeconds: 60)).clean
        return SyntheticCohort.generate(configuration)[0]
    }

    /// Indices of samples that are the maximum within ±`halfWidth` samples (a refractory window).
    static func peaks(_ signal: ArraySlice<Float>, halfWidth: Int) -> [Int] {
        let values = Array(signal)
        var result: [Int] = []
        for i in halfWidth..<(values.count - halfWidth) {
            let neighbourhood = values[(i - halfWidth)...(i + halfWidth)]
            if values[i] == neighbourhood.max()!, result.last.map({ i - $0 > halfWidth }) ?? true { result.append(i) }
        }
        return result
    }

    @Test func peakDetectorRecoversTheTrueHeartRate() throws {
        for seed: UInt64 in [1, 2, 3] {
            let recording = Self.cleanRecording(seed: seed)
            let ppg = try recording.requireStream(named: "ppg"), hr = try recording.requireStream(named: "hr")
            for start in stride(from: 0, to: 300, by: 20) {
                let window = ppg.samples[(start * 64)..<((start + 20) * 64)]
                let found = Self.peaks(window, halfWidth: 18)
                try #require(found.count >= 10, "seed \(seed) window at \(start) s: only \(found.count) peaks")
                let seconds = Double(found.last! - found.first!) / 64
                let detected = 60 * Double(found.count - 1) / seconds
                let first = Int((Double(start) + Double(found.first!) / 64) * 4)
                let last = Int((Double(start) + Double(found.last!) / 64) * 4)
                let truth = hr.samples[first..<last].reduce(0.0) { $0 + Double($1) } / Double(last - first)
                #expect(abs(detected - truth) < 2, "seed \(seed) window at \(start) s: detected \(detected), true \(truth) bpm")
            }
        }
    }

    @Test func ppgSpectrumPeaksAtTheHeartRate() throws {
        let recording = Self.cleanRecording(seed: 4)
        let ppg = try recording.requireStream(named: "ppg"), hr = try recording.requireStream(named: "hr")
        let activity = recording.labelTracks[SyntheticCohort.activityTrack]!
        for segment in activity.intervals() where segment.label == "rest" || segment.label == "sleep" {
            let start = Int(segment.start) + 25, length = 30
            let window = ppg.samples[(start * 64)..<((start + length) * 64)].map(Double.init)
            let mean = window.reduce(0, +) / Double(window.count)
            var best = (frequency: 0.0, power: 0.0)
            for frequency in stride(from: 0.5, through: 3.5, by: 0.005) {
                var real = 0.0, imaginary = 0.0
                for (i, value) in window.enumerated() {
                    let angle = 2 * Double.pi * frequency * Double(i) / 64
                    real += (value - mean) * cos(angle); imaginary += (value - mean) * sin(angle)
                }
                if real * real + imaginary * imaginary > best.power { best = (frequency, real * real + imaginary * imaginary) }
            }
            let truth = hr.samples[(start * 4)..<((start + length) * 4)].reduce(0.0) { $0 + Double($1) } / Double(length * 4)
            #expect(abs(best.frequency * 60 - truth) < 3, "\(segment.label): spectral peak \(best.frequency * 60), true \(truth) bpm")
        }
    }

    /// Nearest-centroid on accelerometer statistics, trained on some subjects and tested on others.
    @Test func activitiesAreSeparableFromAccelerometerStatistics() throws {
        let configuration = SyntheticCohort.Configuration(subjects: 8, hours: 1200.0 / 3600, seed: 11,
                                                          schedule: .balanced(segmentSeconds: 120))
        let recordings = SyntheticCohort.generate(configuration)
        var features: [(subject: Int, label: Int32, values: [Double])] = []
        for (subject, recording) in recordings.enumerated() {
            let acc = try recording.requireStream(named: "acc")
            let activity = recording.labelTracks[SyntheticCohort.activityTrack]!
            for start in stride(from: 0, through: 1200 - 30, by: 30) {
                let codes = activity.codes[(start * 4)..<((start + 30) * 4)]
                guard Set(codes).count == 1 else { continue }
                let frames = (start * 32)..<((start + 30) * 32)
                var magnitude: [Double] = []
                for frame in frames {
                    let x = Double(acc.samples[3 * frame]), y = Double(acc.samples[3 * frame + 1]), z = Double(acc.samples[3 * frame + 2])
                    guard x.isFinite, y.isFinite, z.isFinite else { continue }
                    magnitude.append((x * x + y * y + z * z).squareRoot())
                }
                guard magnitude.count > 800 else { continue }
                let average = magnitude.reduce(0, +) / Double(magnitude.count)
                let deviation = (magnitude.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(magnitude.count)).squareRoot()
                // Dominant frequency of the magnitude in 0.5-4 Hz, or 0 when no frequency holds a quarter of the power.
                var best = (frequency: 0.0, power: -1.0), total = 0.0
                for frequency in stride(from: 0.5, through: 4.0, by: 0.1) {
                    var real = 0.0, imaginary = 0.0
                    for (i, value) in magnitude.enumerated() {
                        real += (value - average) * cos(2 * Double.pi * frequency * Double(i) / 32)
                        imaginary += (value - average) * sin(2 * Double.pi * frequency * Double(i) / 32)
                    }
                    total += real * real + imaginary * imaginary
                    if real * real + imaginary * imaginary > best.power { best = (frequency, real * real + imaginary * imaginary) }
                }
                let dominant = best.power > 0.25 * total ? best.frequency : 0
                features.append((subject, codes.first!, [log(deviation + 1e-3), dominant]))
            }
        }
        let training = features.filter { $0.subject < 6 }, testing = features.filter { $0.subject >= 6 }
        let dimensions = features[0].values.count
        let scale = (0..<dimensions).map { d -> Double in
            let values = training.map { $0.values[d] }
            let mean = values.reduce(0, +) / Double(values.count)
            return max(1e-6, (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot())
        }
        var centroids: [Int32: [Double]] = [:]
        for label in Set(training.map(\.label)) {
            let members = training.filter { $0.label == label }
            centroids[label] = (0..<dimensions).map { d in members.map { $0.values[d] }.reduce(0, +) / Double(members.count) }
        }
        #expect(centroids.count == SyntheticActivity.allCases.count)
        let correct = testing.filter { sample in
            let nearest = centroids.min { a, b in
                let da = (0..<dimensions).map { pow((sample.values[$0] - a.value[$0]) / scale[$0], 2) }.reduce(0, +)
                let db = (0..<dimensions).map { pow((sample.values[$0] - b.value[$0]) / scale[$0], 2) }.reduce(0, +)
                return da < db
            }!
            return nearest.key == sample.label
        }.count
        let accuracy = Double(correct) / Double(testing.count)
        #expect(testing.count > 30)
        #expect(accuracy > 0.85, "held-out accuracy \(accuracy) over \(testing.count) windows")
    }

    /// Stress raises HR, lowers HRV (RMSSD) and cools the wrist, averaged over subjects (as WESAD reports).
    @Test func stressRaisesHeartRateLowersVariabilityAndCoolsTheSkin() {
        var heartRateShift = 0.0, temperatureShift = 0.0, variabilityRatio = 0.0
        let subjects = 8
        for seed in 0..<subjects {
            var generator = RandomGenerator(seed: UInt64(100 + seed))
            var profileGenerator = generator.split(), cardiacGenerator = generator.split(), temperatureGenerator = generator.split()
            let profile = SyntheticProfile(generator: &profileGenerator)
            let half = 4 * 900
            let activity = [UInt8](repeating: UInt8(SyntheticActivity.rest.rawValue), count: 2 * half)
            let arousal = [UInt8](repeating: 0, count: half) + [UInt8](repeating: UInt8(SyntheticArousal.stress.rawValue), count: half)
            let cardiac = SyntheticCardiac(profile: profile, activity: activity, arousal: arousal, duration: 1800,
                                           generator: &cardiacGenerator)
            let temperature = SyntheticTemperature(profile: profile, activity: activity, arousal: arousal, clockStartHour: 10,
                                                   noiseLevel: 1, generator: &temperatureGenerator)
            func mean(_ values: ArraySlice<Float>) -> Double { values.reduce(0.0) { $0 + Double($1) } / Double(values.count) }
            func rmssd(from start: Double, to end: Double) -> Double {
                let rr = zip(cardiac.beatTimes, cardiac.rrIntervals).filter { $0.0 >= start && $0.0 < end }.map(\.1)
                let differences = zip(rr.dropFirst(), rr).map { ($0 - $1) * ($0 - $1) }
                return (differences.reduce(0, +) / Double(differences.count)).squareRoot()
            }
            heartRateShift += mean(cardiac.instantaneousHeartRate[(half + half / 2)...]) - mean(cardiac.instantaneousHeartRate[(half / 2)..<half])
            temperatureShift += mean(temperature.signal[(half + half / 2)...]) - mean(temperature.signal[(half / 2)..<half])
            variabilityRatio += rmssd(from: 1350, to: 1800) / rmssd(from: 450, to: 900)
        }
        #expect(heartRateShift / Double(subjects) > 6, "mean HR shift \(heartRateShift / Double(subjects)) bpm")
        #expect(temperatureShift / Double(subjects) < -0.2, "mean temperature shift \(temperatureShift / Double(subjects)) °C")
        #expect(variabilityRatio / Double(subjects) < 0.85, "mean RMSSD ratio \(variabilityRatio / Double(subjects))")
    }

    @Test func aDayHasNightSleepWorkStressAndAContiguousSchedule() {
        var generator = RandomGenerator(seed: 5)
        var profileGenerator = generator.split()
        let profile = SyntheticProfile(generator: &profileGenerator)
        let schedule = SyntheticSchedule(kind: .day(startHour: 7), duration: 86_400, profile: profile, generator: &generator)
        #expect(schedule.segments.first?.start == 0 && schedule.segments.last?.end == 86_400)
        for (previous, next) in zip(schedule.segments, schedule.segments.dropFirst()) {
            #expect(previous.end == next.start && previous.activity != next.activity)
        }
        let threeAM = 20.0 * 3600, noon = 5.0 * 3600
        #expect(schedule.segments.first { $0.start <= threeAM && threeAM < $0.end }?.activity == .sleep)
        #expect(schedule.segments.first { $0.start <= noon && noon < $0.end }?.activity != .sleep)
        #expect(Set(schedule.segments.map(\.activity)).isSuperset(of: [.sleep, .rest, .walk]))
        #expect(schedule.episodes.contains { $0.state == .stress })
        for episode in schedule.episodes {
            #expect(schedule.segments.contains { $0.activity == .rest && $0.start <= episode.start && episode.end <= $0.end })
        }
    }

    /// Bit patterns of every stream, so NaN dropouts compare equal to themselves.
    static func fingerprint(_ recording: Recording) -> [String: [UInt32]] {
        recording.streams.mapValues { $0.samples.map(\.bitPattern) }
    }

    @Test func generationIsDeterministicBySeedAndIndependentOfSubjectCountAndThreads() {
        let short = 120.0 / 3600
        let two = SyntheticCohort.generate(.init(subjects: 2, hours: short, seed: 9, dropoutsPerHour: 60))
        let previousThreads = Threading.threadCount
        Threading.setThreadCount(2)
        let three = SyntheticCohort.generate(.init(subjects: 3, hours: short, seed: 9, dropoutsPerHour: 60))
        Threading.setThreadCount(previousThreads)
        let other = SyntheticCohort.generate(.init(subjects: 1, hours: short, seed: 10, dropoutsPerHour: 60))
        #expect(two.map(\.subjectID) == ["syn001", "syn002"])
        #expect(Self.fingerprint(two[0]) == Self.fingerprint(three[0]))
        #expect(Self.fingerprint(two[1]) == Self.fingerprint(three[1]))
        #expect(Self.fingerprint(two[0]) != Self.fingerprint(other[0]))
        #expect(Self.fingerprint(two[0]) != Self.fingerprint(two[1]))
    }

    @Test func lostDataIsNaNInsideTheReportedGaps() throws {
        let recording = SyntheticCohort.generate(.init(subjects: 1, hours: 600.0 / 3600, seed: 3, dropoutsPerHour: 40))[0]
        let acc = try recording.requireStream(named: "acc")
        #expect(!acc.gaps.isEmpty)
        for frame in 0..<acc.frameCount {
            let time = Double(frame) / 32
            let inGap = acc.gaps.contains { time >= $0.start && time < $0.end - 1.0 / 32 }
            if inGap { #expect(acc.samples[3 * frame].isNaN) }
            if acc.samples[3 * frame].isNaN { #expect(acc.gaps.contains { time >= $0.start - 1.0 / 32 && time < $0.end }) }
        }
    }
}
