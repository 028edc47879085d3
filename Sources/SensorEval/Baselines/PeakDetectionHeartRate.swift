import Foundation
import SensorData

/// A classical PPG heart-rate estimator: band-pass 0.5–4 Hz (30–240 bpm) by FFT, systolic peaks
/// as local maxima above a fraction of the window's upper amplitude, a refractory period after
/// each accepted peak, and 60 / median inter-beat interval.
public struct PeakDetectionHeartRate: Sendable, Codable, Equatable {
    public var lowCutoff: Double
    public var highCutoff: Double
    /// Minimum time between peaks in seconds (0.3 s caps the estimate at 200 bpm).
    public var refractorySeconds: Double
    /// A peak must exceed this fraction of the 95th percentile of the filtered signal.
    public var relativeThreshold: Double

    public init(lowCutoff: Double = 0.5, highCutoff: Double = 4, refractorySeconds: Double = 0.3, relativeThreshold: Double = 0.5) {
        precondition(lowCutoff >= 0 && highCutoff > lowCutoff && refractorySeconds > 0,
                     "PeakDetectionHeartRate: need 0 <= low < high cut-off and a positive refractory period")
        self.lowCutoff = lowCutoff
        self.highCutoff = highCutoff
        self.refractorySeconds = refractorySeconds
        self.relativeThreshold = relativeThreshold
    }

    /// Sample positions of the detected peaks of `signal` sampled at `rate` Hz.
    public func peaks(_ signal: [Double], rate: Double) -> [Int] {
        let finite = signal.map { $0.isFinite ? $0 : 0 }
        guard finite.count >= 3 else { return [] }
        let filtered = FourierTransform.bandPass(finite, rate: rate, low: lowCutoff, high: highCutoff)
        let threshold = relativeThreshold * (SubjectBootstrap.quantile(filtered.sorted(), 0.95) ?? 0)
        let refractory = Int((refractorySeconds * rate).rounded(.up))
        var peaks: [Int] = []
        for i in 1..<(filtered.count - 1) where filtered[i] > threshold && filtered[i] > 0
            && filtered[i] >= filtered[i - 1] && filtered[i] > filtered[i + 1] {
            if let last = peaks.last, i - last < refractory {
                if filtered[i] > filtered[last] { peaks[peaks.count - 1] = i }
            } else {
                peaks.append(i)
            }
        }
        return peaks
    }

    /// Heart rate in bpm from the median inter-beat interval; nil with fewer than three peaks.
    public func heartRate(_ signal: [Double], rate: Double) -> Double? {
        let found = peaks(signal, rate: rate)
        guard found.count >= 3 else { return nil }
        let intervals = zip(found.dropFirst(), found).map { Double($0 - $1) / rate }.sorted()
        guard let median = SubjectBootstrap.quantile(intervals, 0.5), median > 0 else { return nil }
        return 60 / median
    }

    /// Estimates for the windows at `indices` from channel 0 of modality `ppg`; a window with too
    /// few peaks gets the median of the other estimates (so metrics stay defined, never NaN), and
    /// the count of such windows is returned.
    public func estimate(windows: WindowSet, indices: [Int], modality: String = SensorStream.StandardName.ppg)
        throws(EvaluationError) -> (values: [Float], undetected: Int) {
        guard let layout = windows.layout(modality), let stored = windows.values[modality] else {
            throw .modalityMismatch("the peak-detection baseline needs the \(modality) modality")
        }
        let estimates: [Double?] = indices.map { index in
            let base = index * layout.valuesPerWindow
            let signal = (0..<layout.samplesPerWindow).map { Double(stored[base + $0 * layout.channelCount]) }
            return heartRate(signal, rate: layout.samplingRate)
        }
        let found = estimates.compactMap { $0 }.sorted()
        let fallback = SubjectBootstrap.quantile(found, 0.5) ?? 70
        return (estimates.map { Float($0 ?? fallback) }, estimates.count - found.count)
    }
}
