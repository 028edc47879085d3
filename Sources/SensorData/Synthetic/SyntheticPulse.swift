import Foundation
import SensorTensor

/// Photoplethysmogram (blood volume pulse, E4 BVP-like arbitrary units) of one synthetic subject.
///
/// Each beat contributes a pulse made of two Gaussians: the systolic wave at ~0.17 s after the onset and
/// the reflected (diastolic) wave 0.20-0.25 s later with 35-60 % of its height; the trough between them
/// is the dicrotic notch. Pulse timing compresses with √RR at high heart rates (systole shortens less than
/// diastole). Respiration modulates the pulse amplitude (respiratory-induced amplitude variation) and
/// the baseline (respiratory-induced intensity variation, venous return); stress narrows the pulse by
/// peripheral vasoconstriction (20 % lower amplitude). A 0.1 Hz high-pass mimics the device's AC coupling.
/// Motion artifacts add the wrist's dynamic acceleration along a per-subject direction, linearly and
/// with a squared term (sensor-skin displacement is not linear), so they are correlated with the accelerometer.
struct SyntheticPulse: Sendable {
    static let rate = 64.0

    /// One value per frame.
    var signal: [Float]

    init(profile: SyntheticProfile, cardiac: SyntheticCardiac, arousal: [UInt8], motion: SyntheticMotion,
         frames: Int, artifactGain: Double, noiseLevel: Double, generator g: inout RandomGenerator) {
        let rate = Self.rate
        var pulses = [Double](repeating: 0, count: frames)
        var perfusion = 0.0
        let amplitude = profile.pulseAmplitude
        pulses.withUnsafeMutableBufferPointer { out in
            for (beat, onset) in cardiac.beatTimes.enumerated() {
                let rr = cardiac.rrIntervals[beat]
                let scale = min(1.1, max(0.6, rr.squareRoot()))
                let systolic = profile.systolicTime * scale, systolicWidth = 0.055 * scale
                let diastolic = systolic + profile.diastolicDelay * scale, diastolicWidth = 0.09 * scale
                let control = min(arousal.count - 1, max(0, Int(onset * SyntheticCardiac.controlRate)))
                perfusion += -perfusion * rr / 300 + 0.1 * (2 * rr / 300).squareRoot() * Double(g.nextNormal())
                var height = amplitude * (1 + perfusion)
                height *= 1 + profile.respiratoryAmplitudeModulation * sin(cardiac.respiration(at: onset))
                if arousal[control] == UInt8(SyntheticArousal.stress.rawValue) { height *= 0.8 }
                let first = Int((onset * rate).rounded(.up))
                let last = min(frames, Int(((onset + diastolic + 4 * diastolicWidth) * rate).rounded(.up)))
                guard first < last else { continue }
                let systolicDenominator = 1 / (2 * systolicWidth * systolicWidth)
                let diastolicDenominator = 1 / (2 * diastolicWidth * diastolicWidth)
                for i in first..<last {
                    let tau = Double(i) / rate - onset
                    let a = tau - systolic, b = tau - diastolic
                    out[i] += height * (exp(-a * a * systolicDenominator)
                                        + profile.reflectionRatio * exp(-b * b * diastolicDenominator))
                }
            }
        }

        var output = [Float](repeating: 0, count: frames)
        let pole = 1 - 2 * Double.pi * 0.1 / rate
        let baseline = amplitude * profile.respiratoryBaselineModulation
        let coupling = artifactGain * profile.motionArtifactCoupling * amplitude
        let noise = 0.02 * amplitude * noiseLevel
        let drive = motion.artifactDrive
        var normal = PairedNormalSampler()
        output.withUnsafeMutableBufferPointer { out in
            var previousInput = pulses.first ?? 0, previousOutput = 0.0
            for i in 0..<frames {
                let filtered = pulses[i] - previousInput + pole * previousOutput
                previousInput = pulses[i]
                previousOutput = filtered
                let time = Double(i) / rate
                var value = filtered + baseline * sin(cardiac.respiration(at: time) + 0.5)
                if coupling != 0, !drive.isEmpty {
                    let position = time * SyntheticMotion.rate
                    let index = min(drive.count - 1, Int(position))
                    let next = min(drive.count - 1, index + 1)
                    let fraction = position - Double(index)
                    let motionValue = Double(drive[index]) * (1 - fraction) + Double(drive[next]) * fraction
                    value += coupling * (motionValue + 0.3 * motionValue * motionValue)
                }
                if noise > 0 { value += noise * Double(normal.next(&g)) }
                out[i] = Float(value)
            }
        }
        signal = output
    }
}

/// Wrist skin temperature (°C) of one synthetic subject.
///
/// Components: the subject's daytime level; a circadian rhythm of ±0.4 °C peaking in the early night
/// (distal skin warms when core temperature falls, Kräuchi & Wirz-Justice); an extra +1 °C after sleep onset
/// (distal vasodilation, 20 min time constant); cooling during exercise by sweat evaporation and airflow
/// (walk −0.3, cycle −1.0, run −1.2 °C, 5 min time constant); cooling under stress by peripheral
/// vasoconstriction (the subject's 0.3-0.6 °C, 3 min; WESAD reports lower wrist temperature under TSST);
/// ambient drift (Ornstein-Uhlenbeck, SD 0.4 °C, 1 h); sensor noise of 0.02 °C.
struct SyntheticTemperature: Sendable {
    static let rate = 4.0

    var signal: [Float]

    init(profile: SyntheticProfile, activity: [UInt8], arousal: [UInt8], clockStartHour: Double,
         noiseLevel: Double, generator g: inout RandomGenerator) {
        let count = activity.count
        let dt = 1 / Self.rate
        var output = [Float](repeating: 0, count: count)
        var sleepWarming = 0.0, exerciseCooling = 0.0, stressCooling = 0.0, ambient = 0.0
        let sleepAlpha = 1 - exp(-dt / 1200), exerciseAlpha = 1 - exp(-dt / 300), stressAlpha = 1 - exp(-dt / 180)
        let ambientDecay = dt / 3600, ambientKick = 0.4 * (2 * dt / 3600).squareRoot()
        for i in 0..<count {
            let state = SyntheticActivity(rawValue: Int(activity[i])) ?? .rest
            let clockHours = clockStartHour + Double(i) * dt / 3600
            let circadian = 0.4 * cos(2 * Double.pi * (clockHours - 2) / 24)
            sleepWarming += ((state == .sleep ? 1.0 : 0.0) - sleepWarming) * sleepAlpha
            let coolingTarget: Double
            switch state {
            case .walk: coolingTarget = 0.3
            case .cycle: coolingTarget = 1.0
            case .run: coolingTarget = 1.2
            case .sleep, .rest: coolingTarget = 0
            }
            exerciseCooling += (coolingTarget - exerciseCooling) * exerciseAlpha
            let stressed = arousal[i] == UInt8(SyntheticArousal.stress.rawValue)
            stressCooling += ((stressed ? profile.stressCooling : 0) - stressCooling) * stressAlpha
            ambient += -ambient * ambientDecay + ambientKick * Double(g.nextNormal())
            let value = profile.skinTemperature + circadian + sleepWarming - exerciseCooling - stressCooling + ambient
                + 0.02 * noiseLevel * Double(g.nextNormal())
            output[i] = Float(value)
        }
        signal = output
    }
}
