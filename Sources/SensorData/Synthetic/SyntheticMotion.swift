import Foundation
import SensorTensor

/// Wrist accelerometer (3 axes, in g) of one synthetic subject, and the motion that leaks into its PPG.
///
/// The watch's orientation is two angles, pitch (forearm elevation) and roll (pronation/supination),
/// and gravity reads u = (−sin p, cos p · sin r, cos p · cos r) in the wrist frame (face up: z = +1 g).
/// Each activity sets targets for posture and movement, redrawn per segment; the signal's parameters
/// follow their targets with a 1.5 s lag, so transitions blend instead of jumping.
/// - Walking: the arm swings like a pendulum at the stride frequency (half the step cadence, 1.75-2 steps/s)
///   by 0.2-0.3 rad, which rotates gravity and adds tangential acceleration L·θ̈ (L ≈ 0.6 m); heel
///   strikes add vertical impacts at the step cadence with 2nd and 3rd harmonics; the wrist also rolls a little.
/// - Running: cadence 2.6-3 steps/s, bent arm (L ≈ 0.35 m, forearm near horizontal, thumb up), larger
///   swing and impacts.
/// - Cycling: hands on the bars (fixed, pronated posture), road vibration through the handlebar (low-passed
///   noise, 0.06-0.15 g), and sway of the body at the pedalling frequency (1-1.5 rev/s) and its second harmonic (one push per pedal).
/// - Rest (sitting, awake): slow posture changes, continuous fidgeting (low-passed noise, 10-20 mg) and
///   brief gestures (typing, reaching: 1-3 s, 1.5-4 Hz, 0.05-0.2 g) 4-10 times a minute; wake wrist
///   activity stays well above sleep's, which is what actigraphy scores sleep by (Cole et al., Sleep 1992).
/// - Sleep: near-still in a lying posture, breathing micro-motion (a few mg), and posture shifts every
///   20-90 min (a 2-4 s burst and a new orientation).
struct SyntheticMotion: Sendable {
    static let rate = 32.0

    /// Channel-interleaved x, y, z in g, `3 * frames` values.
    var acceleration: [Float]
    /// Dynamic (non-gravity) acceleration projected on the subject's artifact direction, in g, one per frame.
    var artifactDrive: [Float]

    private struct Targets {
        var pitch = 0.0, roll = 0.0, swing = 0.0, rollSwing = 0.0, armLength = 0.6, impact = 0.0
        var cadence = 1.8, pedalCadence = 1.2, pedalSway = 0.0, vibration = 0.0, gestureRate = 0.0
    }

    private static func targets(for activity: SyntheticActivity, profile: SyntheticProfile,
                                generator g: inout RandomGenerator) -> Targets {
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * g.nextUniformDouble() }
        var t = Targets()
        switch activity {
        case .sleep:
            t.pitch = 0.4 * Double(g.nextNormal()); t.roll = uniform(-Double.pi, Double.pi); t.gestureRate = 0.05
        case .rest:
            t.pitch = uniform(-0.3, 0.4); t.roll = uniform(-0.5, 0.5); t.gestureRate = uniform(4, 10)
            t.vibration = uniform(0.01, 0.02)
        case .walk:
            t.pitch = uniform(1.1, 1.4); t.roll = uniform(-0.3, 0.3); t.swing = uniform(0.2, 0.3)
            t.rollSwing = uniform(0.05, 0.15); t.armLength = 0.6; t.impact = uniform(0.15, 0.3)
            t.cadence = profile.walkingCadence * uniform(0.95, 1.05)
        case .run:
            t.pitch = uniform(0.2, 0.5); t.roll = uniform(0.9, 1.3); t.swing = uniform(0.25, 0.4)
            t.rollSwing = uniform(0.1, 0.2); t.armLength = 0.35; t.impact = uniform(0.5, 0.8)
            t.cadence = profile.runningCadence * uniform(0.97, 1.03)
        case .cycle:
            t.pitch = uniform(0.3, 0.6); t.roll = uniform(-0.2, 0.3); t.pedalSway = uniform(0.05, 0.1)
            t.vibration = uniform(0.06, 0.15); t.pedalCadence = profile.pedallingCadence * uniform(0.9, 1.1)
            t.gestureRate = 0.5
        }
        return t
    }

    init(profile: SyntheticProfile, schedule: SyntheticSchedule, cardiac: SyntheticCardiac, frames: Int,
         noiseLevel: Double, range: Float, generator g: inout RandomGenerator) {
        let dt = 1 / Self.rate
        var output = [Float](repeating: 0, count: frames * 3)
        var drive = [Float](repeating: 0, count: frames)
        let alpha = 1 - exp(-dt / 1.5)
        let orientationAlpha = 1 - exp(-dt / 1.0)
        var segmentIndex = 0
        var activity = schedule.segments.first?.activity ?? .rest
        var target = Self.targets(for: activity, profile: profile, generator: &g)
        var current = target
        var nextPostureShift = 60 * (20 + 70 * g.nextUniformDouble())
        var stride = 0.0, pedal = 0.0
        var vibration = (0.0, 0.0, 0.0)
        var gestureRemaining = 0.0, gestureLength = 1.0, gestureFrequency = 2.0, gestureAmplitude = 0.0
        var gestureAxis = (0.0, 0.0, 1.0), gesturePhase = 0.0
        let (ax, ay, az) = profile.motionArtifactDirection
        let noise = 0.01 * noiseLevel
        var normal = PairedNormalSampler()

        func startBurst(amplitude: Double, length: Double) {
            gestureRemaining = length; gestureLength = length
            gestureFrequency = 1.5 + 2.5 * g.nextUniformDouble()
            gestureAmplitude = amplitude
            let x = Double(g.nextNormal()), y = Double(g.nextNormal()), z = Double(g.nextNormal())
            let norm = max((x * x + y * y + z * z).squareRoot(), 1e-6)
            gestureAxis = (x / norm, y / norm, z / norm)
            gesturePhase = 2 * Double.pi * g.nextUniformDouble()
        }

        output.withUnsafeMutableBufferPointer { out in
            drive.withUnsafeMutableBufferPointer { artifact in
                for i in 0..<frames {
                    let time = Double(i) * dt
                    while segmentIndex + 1 < schedule.segments.count && schedule.segments[segmentIndex + 1].start <= time {
                        segmentIndex += 1
                        activity = schedule.segments[segmentIndex].activity
                        target = Self.targets(for: activity, profile: profile, generator: &g)
                    }
                    if activity == .sleep && time >= nextPostureShift {
                        let fresh = Self.targets(for: .sleep, profile: profile, generator: &g)
                        target.pitch = fresh.pitch; target.roll = fresh.roll
                        startBurst(amplitude: 0.2 + 0.2 * g.nextUniformDouble(), length: 2 + 2 * g.nextUniformDouble())
                        nextPostureShift = time + 60 * (20 + 70 * g.nextUniformDouble())
                    }
                    if gestureRemaining <= 0 && g.nextUniformDouble() < target.gestureRate / 60 * dt {
                        startBurst(amplitude: 0.05 + 0.15 * g.nextUniformDouble(), length: 1 + 2 * g.nextUniformDouble())
                        if activity == .rest { target.pitch += 0.2 * Double(g.nextNormal()); target.roll += 0.2 * Double(g.nextNormal()) }
                    }
                    current.pitch += (target.pitch - current.pitch) * orientationAlpha
                    current.roll += (target.roll - current.roll) * orientationAlpha
                    current.swing += (target.swing - current.swing) * alpha
                    current.rollSwing += (target.rollSwing - current.rollSwing) * alpha
                    current.armLength += (target.armLength - current.armLength) * alpha
                    current.impact += (target.impact - current.impact) * alpha
                    current.cadence += (target.cadence - current.cadence) * alpha
                    current.pedalCadence += (target.pedalCadence - current.pedalCadence) * alpha
                    current.pedalSway += (target.pedalSway - current.pedalSway) * alpha
                    current.vibration += (target.vibration - current.vibration) * alpha

                    let strideFrequency = current.cadence / 2 * (1 + 0.02 * Double(normal.next(&g)))
                    stride += 2 * Double.pi * strideFrequency * dt
                    pedal += 2 * Double.pi * current.pedalCadence * dt
                    let swingSine = sin(stride)
                    let pitch = current.pitch + current.swing * swingSine
                    let roll = current.roll + current.rollSwing * sin(stride + 0.6)
                    let sinP = sin(pitch), cosP = cos(pitch), sinR = sin(roll), cosR = cos(roll)
                    // Gravity direction u and its pitch derivative (the tangential direction of the swing).
                    let u = (-sinP, cosP * sinR, cosP * cosR)
                    let tangent = (-cosP, -sinP * sinR, -sinP * cosR)
                    let omega = 2 * Double.pi * strideFrequency
                    let tangential = -current.armLength * current.swing * omega * omega * swingSine / 9.81
                    let step = 2 * stride
                    let impact = current.impact * (sin(step) + 0.5 * sin(2 * step + 0.7) + 0.25 * sin(3 * step + 1.3))
                    let sway = current.pedalSway * sin(pedal)
                    let push = 0.5 * current.pedalSway * sin(2 * pedal)
                    vibration.0 = 0.6 * vibration.0 + 0.8 * current.vibration * Double(normal.next(&g))
                    vibration.1 = 0.6 * vibration.1 + 0.8 * current.vibration * Double(normal.next(&g))
                    vibration.2 = 0.6 * vibration.2 + 0.8 * current.vibration * Double(normal.next(&g))
                    var burst = 0.0
                    if gestureRemaining > 0 {
                        let progress = 1 - gestureRemaining / gestureLength
                        burst = gestureAmplitude * sin(Double.pi * progress) * sin(gesturePhase)
                        gesturePhase += 2 * Double.pi * gestureFrequency * dt
                        gestureRemaining -= dt
                    }
                    let breathing = activity == .sleep ? 0.003 * sin(cardiac.respiration(at: time)) : 0
                    let vertical = impact + push + breathing
                    let dynamicX = tangential * tangent.0 + vertical * u.0 + vibration.0 + burst * gestureAxis.0
                    let dynamicY = tangential * tangent.1 + vertical * u.1 + sway + vibration.1 + burst * gestureAxis.1
                    let dynamicZ = tangential * tangent.2 + vertical * u.2 + vibration.2 + burst * gestureAxis.2
                    out[3 * i] = min(range, max(-range, Float(u.0 + dynamicX + noise * Double(normal.next(&g)))))
                    out[3 * i + 1] = min(range, max(-range, Float(u.1 + dynamicY + noise * Double(normal.next(&g)))))
                    out[3 * i + 2] = min(range, max(-range, Float(u.2 + dynamicZ + noise * Double(normal.next(&g)))))
                    artifact[i] = Float(ax * dynamicX + ay * dynamicY + az * dynamicZ)
                }
            }
        }
        acceleration = output
        artifactDrive = drive
    }
}
