import SensorNN
import SensorTensor

/// One input stream of a student at its native rate.
public struct StudentModality: Sendable, Equatable {
    public var name: String
    public var channels: Int
    /// Samples per window (30 s windows: PPG 64 Hz -> 1920, accelerometer 32 Hz -> 960, temperature 4 Hz -> 120).
    public var length: Int

    public init(name: String, channels: Int, length: Int) {
        self.name = name
        self.channels = channels
        self.length = length
    }

    public static let photoplethysmogram = StudentModality(name: "ppg", channels: 1, length: 1920)
    public static let accelerometer = StudentModality(name: "acc", channels: 3, length: 960)
    public static let temperature = StudentModality(name: "temp", channels: 1, length: 120)
}

/// What a student's head predicts.
public enum StudentOutput: String, Sendable, Equatable, Codable {
    /// Class logits; the exported graph adds SOFTMAX probabilities as a second output.
    case classes
    /// Values in standardised target units (regression, e.g. heart rate); the exported graph ends at them.
    case values

    /// The name of the head's output tensor in the exported graph (and of its QAT range observer).
    public var tensorName: String { self == .classes ? "logits" : "values" }
}

/// Shape of a depthwise-separable student: per-modality stems, global mean pooling, concatenation, MLP head.
public struct StudentConfiguration: Sendable, Equatable {
    public var modalities: [StudentModality]
    /// Output channels per modality (in `modalities` order) of its stem convolution and of each block's pointwise
    /// convolution (`depth` + 1 entries); a block's depthwise convolution keeps its input's channels. A uniform
    /// `width` fills every entry; structured pruning makes them differ.
    public var stemWidths: [[Int]]
    /// Depthwise-separable blocks after each stem.
    public var depth: Int
    public var kernelSize: Int
    /// Stride of each stem convolution and of each block's depthwise convolution.
    public var stride: Int
    public var hiddenDimensions: Int
    /// Head outputs: classes (at least two) or regressed values (at least one).
    public var classCount: Int
    public var output: StudentOutput

    /// A student with `width` channels in every stem and block, or with `stemWidths` (per modality, `depth` + 1
    /// entries) when given.
    public init(modalities: [StudentModality] = [.photoplethysmogram, .accelerometer, .temperature], width: Int = 14,
                stemWidths: [[Int]]? = nil, depth: Int = 2, kernelSize: Int = 5, stride: Int = 2, hiddenDimensions: Int = 32,
                classCount: Int = 6, output: StudentOutput = .classes) {
        precondition(!modalities.isEmpty, "StudentConfiguration: needs at least one modality")
        precondition(width > 0 && depth >= 0 && kernelSize > 0 && stride > 0 && hiddenDimensions > 0
                     && classCount >= (output == .classes ? 2 : 1),
                     "StudentConfiguration: width \(width), depth \(depth), kernel \(kernelSize), stride \(stride), hidden \(hiddenDimensions), classes \(classCount) out of range")
        let widths = stemWidths ?? [[Int]](repeating: [Int](repeating: width, count: depth + 1), count: modalities.count)
        precondition(widths.count == modalities.count && widths.allSatisfy { $0.count == depth + 1 && $0.allSatisfy { $0 > 0 } },
                     "StudentConfiguration: stem widths \(widths) must give \(depth + 1) positive channel counts for each of \(modalities.count) modalities")
        self.modalities = modalities
        self.stemWidths = widths
        self.depth = depth
        self.kernelSize = kernelSize
        self.stride = stride
        self.hiddenDimensions = hiddenDimensions
        self.classCount = classCount
        self.output = output
        for modality in modalities {
            var length = modality.length
            for layer in 0...depth {
                precondition(length >= kernelSize,
                             "StudentConfiguration: \(modality.name) is \(length) samples long at layer \(layer), shorter than kernel \(kernelSize)")
                length = (length - kernelSize) / stride + 1
            }
        }
    }

    /// Channels of the concatenated pooled features: the last width of every modality's stem.
    public var featureWidth: Int { stemWidths.reduce(0) { $0 + $1.last! } }
}

/// A 1-D convolution followed by batch norm and ReLU, the unit every stem and block is made of; the exporter
/// folds the batch norm into the convolution.
public final class ConvolutionUnit: Module {
    public let convolution: Conv1d
    public let normalization: BatchNorm1d

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, groups: Int,
                generator: inout RandomGenerator) {
        convolution = Conv1d(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                             stride: stride, groups: groups, bias: false, generator: &generator)
        normalization = BatchNorm1d(features: outputChannels)
    }

    /// [N, Cin, L] -> [N, Cout, T] (VALID padding).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        normalization(convolution(input)).relu()
    }

    public var isDepthwise: Bool { convolution.groups > 1 }
}

/// The stem of one modality: a full convolution, then `depth` depthwise-separable blocks (depthwise k-tap
/// convolution, pointwise 1×1 convolution), each unit with batch norm and ReLU.
public final class ModalityStem: Module {
    public let units: [ConvolutionUnit]

    /// `widths`: the stem's and each block's output channels (`depth` + 1 entries, see `StudentConfiguration.stemWidths`).
    public init(modality: StudentModality, widths: [Int], configuration: StudentConfiguration, generator: inout RandomGenerator) {
        var units = [ConvolutionUnit(inputChannels: modality.channels, outputChannels: widths[0],
                                     kernelSize: configuration.kernelSize, stride: configuration.stride, groups: 1,
                                     generator: &generator)]
        for block in 0..<configuration.depth {
            let channels = widths[block]
            units.append(ConvolutionUnit(inputChannels: channels, outputChannels: channels, kernelSize: configuration.kernelSize,
                                         stride: configuration.stride, groups: channels, generator: &generator))
            units.append(ConvolutionUnit(inputChannels: channels, outputChannels: widths[block + 1], kernelSize: 1, stride: 1,
                                         groups: 1, generator: &generator))
        }
        self.units = units
    }

    /// [N, channels, length] -> pooled features [N, last width].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        units.reduce(input) { x, unit in unit(x) }.mean(axes: [2])
    }
}

/// A wearable-sized student: per-modality stems at native rates, pooled features concatenated in modality
/// order, then Linear -> ReLU -> Linear to class logits. Trains with autograd like any `Module`.
public final class StudentModel: Module {
    public let configuration: StudentConfiguration
    public let stems: [ModalityStem]
    public let hidden: Linear
    public let classifier: Linear

    public init(configuration: StudentConfiguration, generator: inout RandomGenerator) {
        self.configuration = configuration
        stems = zip(configuration.modalities, configuration.stemWidths).map {
            ModalityStem(modality: $0, widths: $1, configuration: configuration, generator: &generator)
        }
        hidden = Linear(inputDimensions: configuration.featureWidth,
                        outputDimensions: configuration.hiddenDimensions, generator: &generator)
        classifier = Linear(inputDimensions: configuration.hiddenDimensions, outputDimensions: configuration.classCount,
                            generator: &generator)
    }

    /// The concatenated pooled features [N, featureWidth] of inputs [N, channels_m, length_m] per modality.
    public func embedding(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == stems.count, "StudentModel: \(inputs.count) inputs for \(stems.count) modalities")
        for (input, modality) in zip(inputs, configuration.modalities) {
            precondition(input.rank == 3 && input.shape[1] == modality.channels && input.shape[2] == modality.length,
                         "StudentModel: \(modality.name) input \(input.shape) must be [N, \(modality.channels), \(modality.length)]")
        }
        return Tensor.concatenate(zip(stems, inputs).map { stem, input in stem(input) }, axis: 1)
    }

    /// Class logits (or regressed values) [N, classCount].
    public func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        classifier(hidden(embedding(inputs)).relu())
    }
}
