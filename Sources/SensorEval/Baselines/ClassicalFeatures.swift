import Foundation
import SensorData

/// Hand-crafted window features for the classical baseline: for every channel of every modality
/// the mean, standard deviation, minimum, maximum, 10/25/50/75/90th percentiles, zero-crossing
/// rate of the mean-removed signal, the power in fixed frequency bands (as shares of the total)
/// and the dominant frequency. Non-finite samples are skipped.
public enum ClassicalFeatures {
    /// Band edges in Hz; bands above a modality's Nyquist frequency read as zero power.
    public static let bandEdges: [Double] = [0, 0.5, 1, 2, 4, 8, 16]
    static let percentiles: [Double] = [0.1, 0.25, 0.5, 0.75, 0.9]

    /// Features per channel.
    public static var featuresPerChannel: Int { 4 + percentiles.count + 1 + (bandEdges.count - 1) + 1 }

    /// Names of the features in column order ("ppg.0.mean", …).
    public static func names(modalities: [ModalityLayout]) -> [String] {
        let perChannel = ["mean", "std", "min", "max"] + percentiles.map { "p\(Int($0 * 100))" } + ["zero_crossing_rate"]
            + zip(bandEdges, bandEdges.dropFirst()).map { "band_\($0)_\($1)hz" } + ["dominant_hz"]
        return modalities.flatMap { modality in
            modality.channelNames.flatMap { channel in perChannel.map { "\(modality.name).\(channel).\($0)" } }
        }
    }

    /// Features [indices.count · F] row-major of the windows at `indices`, F = `names(…).count`.
    public static func extract(windows: WindowSet, indices: [Int]) -> [Float] {
        let width = windows.modalities.reduce(0) { $0 + $1.channelCount } * featuresPerChannel
        var result = [Float](repeating: 0, count: indices.count * width)
        for (row, index) in indices.enumerated() {
            var column = row * width
            for modality in windows.modalities {
                let values = windows.values[modality.name]!, base = index * modality.valuesPerWindow
                for channel in 0..<modality.channelCount {
                    let signal = (0..<modality.samplesPerWindow).map { Double(values[base + $0 * modality.channelCount + channel]) }
                        .filter { $0.isFinite }
                    for feature in channelFeatures(signal, rate: modality.samplingRate) {
                        result[column] = Float(feature)
                        column += 1
                    }
                }
            }
        }
        return result
    }

    /// The `featuresPerChannel` features of one channel (zeros for an empty channel).
    static func channelFeatures(_ signal: [Double], rate: Double) -> [Double] {
        guard signal.count >= 2 else { return [Double](repeating: 0, count: featuresPerChannel) }
        let n = Double(signal.count)
        let mean = signal.reduce(0, +) / n
        let deviation = (signal.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        let sorted = signal.sorted()
        var features = [mean, deviation, sorted.first!, sorted.last!]
        features += percentiles.map { SubjectBootstrap.quantile(sorted, $0)! }
        var crossings = 0
        for i in 1..<signal.count where (signal[i - 1] - mean) * (signal[i] - mean) < 0 { crossings += 1 }
        features.append(Double(crossings) / (n - 1))
        let (power, length) = FourierTransform.powerSpectrum(signal)
        let resolution = rate / Double(length)
        let total = power.dropFirst().reduce(0, +)
        for (low, high) in zip(bandEdges, bandEdges.dropFirst()) {
            var band = 0.0
            for k in 1..<power.count {
                let frequency = Double(k) * resolution
                if frequency >= low && frequency < high { band += power[k] }
            }
            features.append(total > 0 ? band / total : 0)
        }
        let dominant = power.count > 1 ? (1..<power.count).max { power[$0] < power[$1] }! : 0
        features.append(total > 0 ? Double(dominant) * resolution : 0)
        return features
    }
}

/// Per-column standardisation fitted on training features (constant columns get scale 1).
public struct FeatureStandardizer: Sendable, Codable, Equatable {
    public var means: [Double]
    public var scales: [Double]

    /// Fits on `features` [rows · columns].
    public init(features: [Float], columns: Int) {
        precondition(columns > 0 && features.count % columns == 0, "FeatureStandardizer: \(features.count) values are not rows of \(columns)")
        let rows = features.count / columns
        var means = [Double](repeating: 0, count: columns), squares = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns { let v = Double(features[r * columns + c]); means[c] += v; squares[c] += v * v }
        }
        for c in 0..<columns {
            means[c] /= Double(max(rows, 1))
            let variance = squares[c] / Double(max(rows, 1)) - means[c] * means[c]
            squares[c] = variance > 1e-12 ? variance.squareRoot() : 1
        }
        self.means = means
        scales = squares
    }

    /// (x − mean) / scale per column, in Double.
    public func apply(_ features: [Float]) -> [Double] {
        let columns = means.count
        return features.enumerated().map { (Double($0.element) - means[$0.offset % columns]) / scales[$0.offset % columns] }
    }
}
