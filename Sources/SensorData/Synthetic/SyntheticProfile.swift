import Foundation
import SensorTensor

/// What a synthetic subject is doing; the activity label of the cohort.
public enum SyntheticActivity: Int, Sendable, CaseIterable, Codable {
    case sleep = 0, rest, walk, run, cycle

    /// Label names in code order, as written to a dataset's label schema.
    public static var labelNames: [String] { allCases.map { "\($0)" } }
}

/// The latent arousal state of a synthetic subject, after the WESAD protocol's conditions
/// (Schmidt et al., ICMI 2018: baseline, stress under the Trier Social Stress Test, amusement).
public enum SyntheticArousal: Int, Sendable, CaseIterable, Codable {
    case baseline = 0, stress, amusement

    public static var labelNames: [String] { allCases.map { "\($0)" } }
}

/// Physiological constants of one synthetic subject, drawn once from the subject's own generator.
///
/// Ranges follow adult reference values so that a cohort spans normal variation:
/// - Resting heart rate 62 ± 7 bpm, clamped to 48...85 (normal adult resting range, fit adults lower).
/// - Maximal heart rate 208 − 0.7·age (Tanaka, Monahan & Seals, JACC 2001); activity targets are fractions
///   of the heart-rate reserve (Karvonen): walking 20-30 %, cycling 45-60 %, running 60-75 %.
/// - Nocturnal dipping: sleeping heart rate 8-12 % below the resting rate.
/// - Acute psychosocial stress (TSST in WESAD) raises HR by about 8-15 bpm, lowers HRV (vagal withdrawal)
///   and cools the wrist by peripheral vasoconstriction (0.3-0.6 °C); amusement barely moves HR.
/// - Respiration 12-18 breaths/min at rest; respiratory sinus arrhythmia (RSA) of 25-55 ms amplitude and
///   Mayer-wave (~0.1 Hz, baroreflex) oscillations of 15-35 ms in the RR series at rest (Task Force of the
///   ESC/NASPE, Circulation 1996, for the LF/HF bands).
/// - HR on-kinetics at exercise onset with a time constant of 20-40 s, recovery slower (40-80 s).
/// - Wrist skin temperature 32-34.5 °C by day; the PPG pulse's diastolic/systolic ratio 0.35-0.6
///   (reflection index, rising with arterial stiffness).
struct SyntheticProfile: Sendable {
    var age: Double
    var restingHeartRate: Double
    var maximalHeartRate: Double
    /// Fraction below the resting rate while asleep.
    var sleepDip: Double
    /// Fractions of the heart-rate reserve for walk, cycle and run.
    var walkReserve: Double, cycleReserve: Double, runReserve: Double
    /// Beats per minute added by stress and by amusement.
    var stressHeartRateShift: Double, amusementHeartRateShift: Double
    /// Time constants (s) of heart-rate rise and fall.
    var heartRateRiseTime: Double, heartRateFallTime: Double
    /// Breaths per minute at rest.
    var restingBreathingRate: Double
    /// RR-interval oscillation amplitudes at rest (seconds): respiratory, Mayer wave, beat-to-beat noise.
    var respiratoryArrhythmia: Double, mayerWave: Double, beatNoise: Double
    /// PPG pulse amplitude (arbitrary units, E4 BVP-like) and diastolic/systolic peak ratio.
    var pulseAmplitude: Double, reflectionRatio: Double
    /// Seconds from beat onset to the systolic peak, and systolic-to-diastolic delay, at RR = 1 s.
    var systolicTime: Double, diastolicDelay: Double
    /// Relative respiratory modulation of pulse amplitude and of the PPG baseline.
    var respiratoryAmplitudeModulation: Double, respiratoryBaselineModulation: Double
    /// PPG units of motion artifact per g of dynamic acceleration, as a multiple of `pulseAmplitude`.
    var motionArtifactCoupling: Double
    /// Direction (unit vector in the wrist frame) along which acceleration couples into the PPG.
    var motionArtifactDirection: (Double, Double, Double)
    /// Wrist skin temperature by day (°C) and the drop under stress (°C).
    var skinTemperature: Double, stressCooling: Double
    /// Steps per second when walking and running, pedal revolutions per second when cycling.
    var walkingCadence: Double, runningCadence: Double, pedallingCadence: Double
    /// Whether the subject commutes by bicycle, and whether evening exercise is a run (else a ride).
    var commutesByBicycle: Bool, exercisesByRunning: Bool

    init(generator g: inout RandomGenerator) {
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * g.nextUniformDouble() }
        age = uniform(20, 60)
        restingHeartRate = min(85, max(48, 62 + 7 * Double(g.nextNormal())))
        maximalHeartRate = 208 - 0.7 * age
        sleepDip = uniform(0.08, 0.12)
        walkReserve = uniform(0.20, 0.30)
        cycleReserve = uniform(0.45, 0.60)
        runReserve = uniform(0.60, 0.75)
        stressHeartRateShift = uniform(8, 15)
        amusementHeartRateShift = uniform(1, 3)
        heartRateRiseTime = uniform(20, 40)
        heartRateFallTime = uniform(40, 80)
        restingBreathingRate = uniform(12, 18)
        respiratoryArrhythmia = uniform(0.025, 0.055)
        mayerWave = uniform(0.015, 0.035)
        beatNoise = uniform(0.006, 0.012)
        pulseAmplitude = uniform(40, 120)
        reflectionRatio = uniform(0.35, 0.6)
        systolicTime = uniform(0.15, 0.19)
        diastolicDelay = uniform(0.20, 0.25)
        respiratoryAmplitudeModulation = uniform(0.05, 0.15)
        respiratoryBaselineModulation = uniform(0.10, 0.25)
        motionArtifactCoupling = uniform(0.8, 2.0)
        let x = Double(g.nextNormal()), y = Double(g.nextNormal()), z = Double(g.nextNormal())
        let norm = max((x * x + y * y + z * z).squareRoot(), 1e-6)
        motionArtifactDirection = (x / norm, y / norm, z / norm)
        skinTemperature = uniform(32, 34.5)
        stressCooling = uniform(0.3, 0.6)
        walkingCadence = uniform(1.75, 2.0)
        runningCadence = uniform(2.6, 3.0)
        pedallingCadence = uniform(1.0, 1.5)
        commutesByBicycle = g.nextUniform() < 0.3
        exercisesByRunning = g.nextUniform() < 0.6
    }

    /// Target heart rate (bpm) for an activity before arousal and lag.
    func heartRateTarget(for activity: SyntheticActivity) -> Double {
        let reserve = maximalHeartRate - restingHeartRate
        switch activity {
        case .sleep: return restingHeartRate * (1 - sleepDip)
        case .rest: return restingHeartRate
        case .walk: return restingHeartRate + walkReserve * reserve
        case .cycle: return restingHeartRate + cycleReserve * reserve
        case .run: return restingHeartRate + runReserve * reserve
        }
    }

    /// Breaths per minute for an activity: slower in sleep, rising with metabolic demand.
    func breathingRate(for activity: SyntheticActivity, arousal: SyntheticArousal) -> Double {
        let base: Double
        switch activity {
        case .sleep: base = restingBreathingRate * 0.85
        case .rest: base = restingBreathingRate
        case .walk: base = restingBreathingRate + 5
        case .cycle: base = restingBreathingRate + 10
        case .run: base = restingBreathingRate + 16
        }
        return base + (arousal == .stress ? 3 : 0)
    }
}
