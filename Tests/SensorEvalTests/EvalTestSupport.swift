import Foundation
@testable import SensorData
@testable import SensorEval
import SensorTensor

/// A one-modality window set ("ppg", 1 channel, `samples` per window at `rate` Hz) with an
/// "activity" class label and a "heart_rate" value label.
func makeWindowSet(samples: Int, rate: Double = 64, classNames: [String] = ["a", "b"]) -> WindowSet {
    WindowSet(windowSeconds: Double(samples) / rate, strideSeconds: Double(samples) / rate,
              modalities: [ModalityLayout(name: "ppg", samplingRate: rate, channelNames: ["bvp"], unit: "au", samplesPerWindow: samples)],
              labelSchema: [LabelSchemaEntry(.majorityClass(name: "activity", classNames: classNames)),
                            LabelSchemaEntry(.streamMean(name: "heart_rate", stream: "hr", unit: "bpm"))])
}

extension WindowSet {
    mutating func appendTestWindow(_ signal: [Float], subject: String, classIndex: Int64, value: Float) {
        let index = subjectIndex(subject)
        append(window: ["ppg": signal[...]], classes: ["activity": classIndex], values: ["heart_rate": value],
               subject: index, start: Float(windowCount))
    }
}

func approximately(_ a: Double?, _ b: Double, tolerance: Double = 1e-6) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}
