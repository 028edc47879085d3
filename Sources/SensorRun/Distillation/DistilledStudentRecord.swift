import Foundation
import SensorEdge

/// `student.json` of a distill run: everything `sensorfm export` needs besides the weights to rebuild the exact
/// int8 graph the run measured (student shape, input normalisation, calibration or QAT-learned ranges by tensor
/// name, device).
struct DistilledStudentRecord: Codable, Equatable {
    struct Modality: Codable, Equatable {
        var name: String
        var channels: Int
        var length: Int
    }

    struct Range: Codable, Equatable {
        var minimum: Float
        var maximum: Float
    }

    var modalities: [Modality]
    /// The configured uniform width (before pruning).
    var width: Int
    /// Channels per modality and channel group of the saved student (nil in runs from before pruning: `width` everywhere).
    var stemWidths: [[Int]]?
    var depth: Int
    var kernelSize: Int
    var stride: Int
    var hiddenDimensions: Int
    var classCount: Int
    var classNames: [String]
    var task: String
    var windowSeconds: Double
    var device: String
    var normalization: StudentInputNormalization
    /// Calibration range of every non-constant tensor of the float graph, by tensor name.
    var ranges: [String: Range]
    /// Test accuracies (teacher, float student, int8 student) and their ratios, as in results.json (mean
    /// absolute errors for a regression student).
    var accuracyVersusTeacher: [String: Double]
    /// The head: classes, or values (regression; nil in runs from before regression students means classes).
    var output: StudentOutput?
    /// Regression: value = output · scale + mean in the task's unit.
    var valueScaling: ModelCard.ValueScaling?
    /// "ptq" or "qat": how `ranges` were found (nil in older runs: ptq).
    var quantization: String?
    /// Structured pruning rounds, round 0 the distilled student before pruning (nil: not pruned).
    var pruning: [PruningRound]?

    static let fileName = "student.json"
    static let weightsFileName = "student.safetensors"

    var configuration: StudentConfiguration {
        StudentConfiguration(modalities: modalities.map { StudentModality(name: $0.name, channels: $0.channels, length: $0.length) },
                             width: width, stemWidths: stemWidths, depth: depth, kernelSize: kernelSize, stride: stride,
                             hiddenDimensions: hiddenDimensions, classCount: classCount, output: output ?? .classes)
    }

    /// The deployed normalisation in graph-input order.
    var inputNormalization: InputNormalization {
        InputNormalization(means: normalization.modalities.map(\.means), deviations: normalization.modalities.map(\.deviations))
    }

    /// The int8 graph of `graph` (the float graph of this record's student) with the recorded ranges.
    func quantized(_ graph: EdgeGraph) throws -> EdgeGraph {
        var byIndex: [Int: PostTrainingQuantization.Range] = [:]
        for (index, tensor) in graph.tensors.enumerated() where tensor.constant == nil {
            guard let range = ranges[tensor.name] else {
                throw RunError.notARun(path: Self.fileName, "it has no calibration range for tensor \(tensor.name)")
            }
            byIndex[index] = PostTrainingQuantization.Range(minimum: range.minimum, maximum: range.maximum)
        }
        return PostTrainingQuantization.quantize(graph, ranges: byIndex)
    }
}
