import Foundation
import SensorTensor

/// Heart rate, respiration and the beat-to-beat RR series of one synthetic subject.
///
/// The model, in order:
/// 1. A target heart rate per control step (4 Hz): the activity's target (`SyntheticProfile`), plus the
///    arousal shift, plus a slow Ornstein-Uhlenbeck drift (SD 2.5 bpm, 10 min time constant) for the
///    unexplained variation of real days.
/// 2. First-order lag towards the target, faster up than down (HR on-kinetics vs. recovery).
/// 3. Respiration: breathing rate per activity and arousal, smoothed (20 s), integrated to a phase.
/// 4. Vagal tone scales HRV: (resting HR / HR)², lowered 40 % under stress (vagal withdrawal, as WESAD
///    and the acute-stress HRV literature report), raised 20 % in sleep.
/// 5. RR intervals beat by beat: RR = 60/HR − v·A_RSA·sin(respiration) + v·A_LF·sin(Mayer) + √v·σ·ε, i.e.
///    respiratory sinus arrhythmia in the HF band (0.15-0.4 Hz, shorter RR on inspiration), Mayer waves in
///    the LF band (~0.1 Hz with wandering frequency) and white beat-to-beat noise; beat times are the running sum.
struct SyntheticCardiac: Sendable {
    static let controlRate = 4.0

    /// Lagged mean heart rate (bpm) at the control rate.
    var meanHeartRate: [Float]
    /// Respiratory phase (radians, unwrapped) at the control rate; inspiration where its sine is positive.
    var respiratoryPhase: [Double]
    /// Beat onset times (s from the recording start) and the interval from each beat to the next (s).
    var beatTimes: [Double]
    var rrIntervals: [Double]
    /// Instantaneous heart rate 60/RR of the beat interval containing each control step (bpm).
    var instantaneousHeartRate: [Float]

    init(profile: SyntheticProfile, activity: [UInt8], arousal: [UInt8], duration: Double, generator g: inout RandomGenerator) {
        let count = activity.count
        let dt = 1 / Self.controlRate
        var mean = [Float](repeating: 0, count: count)
        var phase = [Double](repeating: 0, count: count)
        var vagal = [Double](repeating: 0, count: count)
        var mayerPhase = [Double](repeating: 0, count: count)
        var mayerGain = [Double](repeating: 1, count: count)

        var drift = 0.0, breathingNoise = 0.0, mayerFrequencyNoise = 0.0, mayerAmplitudeNoise = 0.0
        func ornsteinUhlenbeck(_ x: inout Double, deviation: Double, timeConstant: Double) {
            x += -x * dt / timeConstant + deviation * (2 * dt / timeConstant).squareRoot() * Double(g.nextNormal())
        }
        let firstActivity = SyntheticActivity(rawValue: Int(activity.first ?? 1)) ?? .rest
        var heartRate = profile.heartRateTarget(for: firstActivity)
        var breathing = profile.breathingRate(for: firstActivity, arousal: .baseline)
        var tone = 1.0
        var respiration = 2 * Double.pi * g.nextUniformDouble()
        var mayer = 2 * Double.pi * g.nextUniformDouble()
        let breathingAlpha = 1 - exp(-dt / 20), toneAlpha = 1 - exp(-dt / 30)
        let riseAlpha = 1 - exp(-dt / profile.heartRateRiseTime), fallAlpha = 1 - exp(-dt / profile.heartRateFallTime)
        for i in 0..<count {
            let state = SyntheticActivity(rawValue: Int(activity[i])) ?? .rest
            let mood = SyntheticArousal(rawValue: Int(arousal[i])) ?? .baseline
            ornsteinUhlenbeck(&drift, deviation: 2.5, timeConstant: 600)
            ornsteinUhlenbeck(&breathingNoise, deviation: 1, timeConstant: 60)
            ornsteinUhlenbeck(&mayerFrequencyNoise, deviation: 0.01, timeConstant: 60)
            ornsteinUhlenbeck(&mayerAmplitudeNoise, deviation: 0.3, timeConstant: 120)
            var target = profile.heartRateTarget(for: state) + drift
            if mood == .stress { target += profile.stressHeartRateShift }
            if mood == .amusement { target += profile.amusementHeartRateShift }
            heartRate += (target - heartRate) * (target > heartRate ? riseAlpha : fallAlpha)
            heartRate = max(35, min(profile.maximalHeartRate, heartRate))
            mean[i] = Float(heartRate)

            breathing += (profile.breathingRate(for: state, arousal: mood) - breathing) * breathingAlpha
            respiration += 2 * Double.pi * max(6, breathing + breathingNoise) / 60 * dt
            phase[i] = respiration
            mayer += 2 * Double.pi * (0.1 + mayerFrequencyNoise) * dt
            mayerPhase[i] = mayer
            mayerGain[i] = max(0.2, 1 + mayerAmplitudeNoise)

            var toneTarget = (profile.restingHeartRate / heartRate) * (profile.restingHeartRate / heartRate)
            if mood == .stress { toneTarget *= 0.6 }
            if mood == .amusement { toneTarget *= 0.9 }
            if state == .sleep { toneTarget *= 1.2 }
            tone += (min(1.5, max(0.05, toneTarget)) - tone) * toneAlpha
            vagal[i] = tone
        }

        var beats: [Double] = []
        var intervals: [Double] = []
        beats.reserveCapacity(Int(duration * 2.5))
        intervals.reserveCapacity(Int(duration * 2.5))
        func interpolate<T: BinaryFloatingPoint>(_ values: [T], _ position: Double) -> Double {
            let index = min(max(0, Int(position)), count - 1)
            let next = min(index + 1, count - 1)
            let fraction = min(1, max(0, position - Double(index)))
            return Double(values[index]) * (1 - fraction) + Double(values[next]) * fraction
        }
        var time = g.nextUniformDouble() * 60 / Double(mean.first ?? 60)
        while time < duration {
            let position = time * Self.controlRate
            let v = interpolate(vagal, position)
            var rr = 60 / interpolate(mean, position)
            rr -= v * profile.respiratoryArrhythmia * sin(interpolate(phase, position))
            rr += v * profile.mayerWave * interpolate(mayerGain, position) * sin(interpolate(mayerPhase, position))
            rr += v.squareRoot() * profile.beatNoise * Double(g.nextNormal())
            rr = min(2.0, max(0.27, rr))
            beats.append(time)
            intervals.append(rr)
            time += rr
        }

        var instantaneous = [Float](repeating: 0, count: count)
        var beat = 0
        for i in 0..<count {
            let t = Double(i) * dt
            while beat + 1 < beats.count && beats[beat + 1] <= t { beat += 1 }
            instantaneous[i] = intervals.isEmpty ? mean[i] : Float(60 / intervals[beat])
        }
        meanHeartRate = mean
        respiratoryPhase = phase
        beatTimes = beats
        rrIntervals = intervals
        instantaneousHeartRate = instantaneous
    }

    /// Respiratory phase at `time` seconds, linearly interpolated between control steps.
    func respiration(at time: Double) -> Double {
        let position = time * Self.controlRate
        let index = min(max(0, Int(position)), respiratoryPhase.count - 1)
        let next = min(index + 1, respiratoryPhase.count - 1)
        let fraction = min(1, max(0, position - Double(index)))
        return respiratoryPhase[index] * (1 - fraction) + respiratoryPhase[next] * fraction
    }
}
