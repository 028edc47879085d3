import Foundation
import SensorTensor

/// A physiologically grounded synthetic cohort of wrist recordings: the project's built-in default data.
///
/// Each subject gets its own constants (`SyntheticProfile`), a day plan (`SyntheticSchedule`), a heart
/// (`SyntheticCardiac`: lagged heart rate, respiration, RSA and Mayer waves, beat times), an accelerometer
/// (`SyntheticMotion`), a PPG built beat by beat from those beats and corrupted by that motion
/// (`SyntheticPulse`), and skin temperature (`SyntheticTemperature`). Streams use Empatica E4 rates:
/// PPG 64 Hz, accelerometer 32 Hz × 3 (g), temperature 4 Hz (°C). Ground truth rides along: an "hr"
/// stream (instantaneous heart rate, 4 Hz, bpm), an "ibi" event stream (beat times and RR intervals)
/// and 4 Hz label tracks "activity" and "arousal".
///
/// Generation is deterministic by seed: subject `i` draws from the `i`-th split of the root generator,
/// so subjects do not depend on each other, on the subject count, or on the thread count.
public enum SyntheticCohort {
    /// Name of the per-frame activity track (`SyntheticActivity` codes).
    public static let activityTrack = "activity"
    /// Name of the per-frame arousal track (`SyntheticArousal` codes).
    public static let arousalTrack = "arousal"
    /// Rate of the ground-truth heart rate stream and of the label tracks.
    public static let groundTruthRate = SyntheticCardiac.controlRate

    public struct Configuration: Sendable, Equatable, Codable {
        public var subjects: Int
        public var hours: Double
        public var seed: UInt64
        public var schedule: SyntheticScheduleKind
        /// Multiplies the motion artifacts in the PPG; 0 gives motion-free PPG.
        public var motionArtifactGain: Double
        /// Multiplies every sensor's white noise; 0 gives noise-free signals.
        public var noiseLevel: Double
        /// Mean number of dropouts per hour (NaN runs in all sensors, or a flat PPG), 2-30 s each.
        public var dropoutsPerHour: Double
        /// The accelerometer clips at ± this many g.
        public var accelerometerRange: Float

        public init(subjects: Int, hours: Double, seed: UInt64, schedule: SyntheticScheduleKind = .day(startHour: 7),
                    motionArtifactGain: Double = 1, noiseLevel: Double = 1, dropoutsPerHour: Double = 0.5,
                    accelerometerRange: Float = 4) {
            precondition(subjects > 0, "SyntheticCohort.Configuration: subjects must be positive, got \(subjects)")
            precondition(hours > 0 && hours.isFinite, "SyntheticCohort.Configuration: hours must be positive, got \(hours)")
            precondition(motionArtifactGain >= 0 && noiseLevel >= 0 && dropoutsPerHour >= 0 && accelerometerRange > 0,
                         "SyntheticCohort.Configuration: gains, noise, dropout rate must be >= 0 and the range > 0")
            self.subjects = subjects
            self.hours = hours
            self.seed = seed
            self.schedule = schedule
            self.motionArtifactGain = motionArtifactGain
            self.noiseLevel = noiseLevel
            self.dropoutsPerHour = dropoutsPerHour
            self.accelerometerRange = accelerometerRange
        }

        /// The same cohort without motion artifacts, sensor noise or dropouts.
        public var clean: Configuration {
            var copy = self
            copy.motionArtifactGain = 0
            copy.noiseLevel = 0
            copy.dropoutsPerHour = 0
            return copy
        }
    }

    /// Subject identifiers in generation order.
    public static func subjectIDs(count: Int) -> [String] {
        (1...max(1, count)).prefix(count).map { "syn" + String(format: "%03d", $0) }
    }

    /// Generates every subject's recording, in parallel over subjects within `Threading`'s budget.
    public static func generate(_ configuration: Configuration) -> [Recording] {
        var root = RandomGenerator(seed: configuration.seed)
        let generators = (0..<configuration.subjects).map { _ in root.split() }
        let identifiers = subjectIDs(count: configuration.subjects)
        let results = UnsafeMutableBufferPointer<Recording?>.allocate(capacity: configuration.subjects)
        results.initialize(repeating: nil)
        defer { results.deinitialize().deallocate() }
        nonisolated(unsafe) let output = results
        Threading.parallelFor(configuration.subjects) { range in
            for index in range {
                output[index] = subject(identifiers[index], configuration: configuration, generator: generators[index])
            }
        }
        return results.map { $0! }
    }

    /// One subject's recording from its own generator.
    static func subject(_ identifier: String, configuration: Configuration, generator: RandomGenerator) -> Recording {
        var root = generator
        var profileGenerator = root.split(), scheduleGenerator = root.split(), cardiacGenerator = root.split()
        var motionGenerator = root.split(), pulseGenerator = root.split(), temperatureGenerator = root.split()
        var dropoutGenerator = root.split()
        let duration = configuration.hours * 3600
        let profile = SyntheticProfile(generator: &profileGenerator)
        let schedule = SyntheticSchedule(kind: configuration.schedule, duration: duration, profile: profile,
                                         generator: &scheduleGenerator)
        let controlCount = Int((duration * SyntheticCardiac.controlRate).rounded(.down))
        let (activity, arousal) = schedule.codes(rate: SyntheticCardiac.controlRate, count: controlCount)
        let cardiac = SyntheticCardiac(profile: profile, activity: activity, arousal: arousal, duration: duration,
                                       generator: &cardiacGenerator)
        let motion = SyntheticMotion(profile: profile, schedule: schedule, cardiac: cardiac,
                                     frames: Int((duration * SyntheticMotion.rate).rounded(.down)),
                                     noiseLevel: configuration.noiseLevel, range: configuration.accelerometerRange,
                                     generator: &motionGenerator)
        let pulse = SyntheticPulse(profile: profile, cardiac: cardiac, arousal: arousal, motion: motion,
                                   frames: Int((duration * SyntheticPulse.rate).rounded(.down)),
                                   artifactGain: configuration.motionArtifactGain, noiseLevel: configuration.noiseLevel,
                                   generator: &pulseGenerator)
        precondition(SyntheticTemperature.rate == SyntheticCardiac.controlRate,
                     "SyntheticCohort: temperature is generated on the control grid")
        let startHour: Double
        switch configuration.schedule {
        case .day(let hour): startHour = hour
        case .balanced: startHour = 12
        }
        let temperature = SyntheticTemperature(profile: profile, activity: activity, arousal: arousal,
                                               clockStartHour: startHour, noiseLevel: configuration.noiseLevel,
                                               generator: &temperatureGenerator)
        var ppg = pulse.signal, acceleration = motion.acceleration, skin = temperature.signal
        let gaps = applyDropouts(duration: duration, perHour: configuration.dropoutsPerHour, ppg: &ppg,
                                 acceleration: &acceleration, temperature: &skin, generator: &dropoutGenerator)
        let range = configuration.accelerometerRange
        let streams = [
            SensorStream(name: SensorStream.StandardName.ppg, samplingRate: SyntheticPulse.rate, channelNames: ["bvp"],
                         unit: "a.u.", samples: ppg, gaps: gaps),
            SensorStream(name: SensorStream.StandardName.accelerometer, samplingRate: SyntheticMotion.rate,
                         channelNames: ["x", "y", "z"], unit: "g", samples: acceleration, validRange: -range...range,
                         gaps: gaps),
            SensorStream(name: SensorStream.StandardName.temperature, samplingRate: SyntheticTemperature.rate,
                         channelNames: ["temp"], unit: "°C", samples: skin, gaps: gaps),
            SensorStream(name: SensorStream.StandardName.heartRate, samplingRate: SyntheticCardiac.controlRate,
                         channelNames: ["hr"], unit: "bpm", samples: cardiac.instantaneousHeartRate),
            SensorStream(name: SensorStream.StandardName.interbeatInterval, eventTimes: cardiac.beatTimes,
                         channelNames: ["ibi"], unit: "s", samples: cardiac.rrIntervals.map { Float($0) }),
        ]
        let tracks = [
            LabelTrack(name: activityTrack, samplingRate: SyntheticCardiac.controlRate,
                       classNames: SyntheticActivity.labelNames, codes: activity.map { Int32($0) }),
            LabelTrack(name: arousalTrack, samplingRate: SyntheticCardiac.controlRate,
                       classNames: SyntheticArousal.labelNames, codes: arousal.map { Int32($0) }),
        ]
        return Recording(subjectID: identifier, sessionID: "synthetic", startTime: 1_704_067_200 + startHour * 3600,
                         streams: streams, labelTracks: tracks,
                         notes: ["synthetic cohort subject (seed \(configuration.seed)), age \(Int(profile.age)), resting HR \(Int(profile.restingHeartRate.rounded())) bpm"])
    }

    /// Sensor dropouts at Poisson times: 60 % are lost data (NaN in every sensor stream, reported as a
    /// gap), 40 % a PPG that holds its last value (lost skin contact, saturated front end). Returns the gaps.
    static func applyDropouts(duration: Double, perHour: Double, ppg: inout [Float], acceleration: inout [Float],
                              temperature: inout [Float], generator g: inout RandomGenerator) -> [TimeSpan] {
        guard perHour > 0 else { return [] }
        var gaps: [TimeSpan] = []
        var time = 0.0
        while true {
            time += -log(max(g.nextUniformDouble(), 1e-12)) * 3600 / perHour
            let length = 2 + 28 * g.nextUniformDouble()
            let isLoss = g.nextUniform() < 0.6
            guard time < duration else { break }
            let end = min(duration, time + length)
            func indices(_ rate: Double, _ count: Int) -> Range<Int> {
                let first = min(count, Int((time * rate).rounded(.up)))
                return first..<max(first, min(count, Int((end * rate).rounded(.up))))
            }
            if isLoss {
                for i in indices(SyntheticPulse.rate, ppg.count) { ppg[i] = .nan }
                for i in indices(SyntheticMotion.rate, acceleration.count / 3) {
                    acceleration[3 * i] = .nan; acceleration[3 * i + 1] = .nan; acceleration[3 * i + 2] = .nan
                }
                for i in indices(SyntheticTemperature.rate, temperature.count) { temperature[i] = .nan }
                gaps.append(TimeSpan(start: time, end: end))
            } else {
                let range = indices(SyntheticPulse.rate, ppg.count)
                let held = range.lowerBound > 0 ? ppg[range.lowerBound - 1] : 0
                for i in range { ppg[i] = held }
            }
            time = end
        }
        return gaps
    }
}

extension SyntheticCohort {
    /// Generates the cohort and writes it as a windowed dataset to `directory` (manifest.json at its top),
    /// a few subjects at a time (as many as `Threading`'s budget, generated and windowed in parallel) so
    /// memory stays bounded.
    /// - Throws: `DataError` when the folder cannot be written.
    @discardableResult
    public static func writeDataset(_ configuration: Configuration, windowing: WindowingConfiguration = .standard,
                                    to directory: URL, windowsPerShard: Int = 2048) throws -> DatasetManifest {
        let writer = try DatasetWriter(configuration: windowing, destination: directory, windowsPerShard: windowsPerShard)
        var root = RandomGenerator(seed: configuration.seed)
        let generators = (0..<configuration.subjects).map { _ in root.split() }
        let identifiers = subjectIDs(count: configuration.subjects)
        let batch = max(1, Threading.threadCount)
        for first in stride(from: 0, to: configuration.subjects, by: batch) {
            let members = Array(first..<min(configuration.subjects, first + batch))
            // Each thread generates a subject and cuts its windows; the writer then adds them in subject order.
            let results = UnsafeMutableBufferPointer<Result<DatasetWriter.PreparedRecording, any Error>?>.allocate(capacity: members.count)
            results.initialize(repeating: nil)
            defer { results.deinitialize().deallocate() }
            nonisolated(unsafe) let output = results
            Threading.parallelFor(members.count) { range in
                for slot in range {
                    let index = members[slot]
                    let recording = subject(identifiers[index], configuration: configuration, generator: generators[index])
                    output[slot] = Result { try DatasetWriter.prepare(recording, configuration: windowing) }
                }
            }
            for slot in 0..<members.count { try writer.add(results[slot]!.get()) }
        }
        return try writer.finish(source: parameters(configuration))
    }

    /// The generator's parameters as manifest strings.
    static func parameters(_ configuration: Configuration) -> [String: String] {
        let schedule: String
        switch configuration.schedule {
        case .day(let hour): schedule = "day(start_hour: \(hour))"
        case .balanced(let seconds): schedule = "balanced(segment_seconds: \(seconds))"
        }
        return ["kind": "synthetic", "generator": "SyntheticCohort", "subjects": "\(configuration.subjects)",
                "hours": "\(configuration.hours)", "seed": "\(configuration.seed)", "schedule": schedule,
                "motion_artifact_gain": "\(configuration.motionArtifactGain)", "noise_level": "\(configuration.noiseLevel)",
                "dropouts_per_hour": "\(configuration.dropoutsPerHour)", "accelerometer_range_g": "\(configuration.accelerometerRange)"]
    }
}
