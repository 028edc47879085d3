import SensorNN
import SensorTensor

/// Quantization-aware training of a `StudentModel`: a forward pass that sees what the int8 export will compute.
///
/// Each convolution unit uses its batch norm folded with the running statistics (w·γ/√(σ²+ε), β − μ·γ/√(σ²+ε),
/// differentiable in w, γ and β), fake-quantizes the folded weights per output channel, and fake-quantizes its
/// ReLU output with a range observer; inputs, pooled features (one observer shared across the concatenation,
/// as the export ties them), the hidden layer and the logits are observed and fake-quantized too, dense
/// weights per tensor. Gradients use the straight-through estimator. Observers update only in training mode.
/// `quantizedGraph()` exports with the observed ranges instead of a separate calibration pass.
public final class QuantizationAwareStudent {
    public let student: StudentModel
    /// Observed ranges by the name of the exported tensor they quantize (see `StudentLowering`).
    public private(set) var observers: [String: RangeObserver] = [:]
    public var momentum: Float

    /// `calibration`: ranges by tensor index of `StudentLowering.floatGraph(student)` (post-training calibration)
    /// that start the observers instead of the first training batch's min/max, so fine-tuning begins from the
    /// post-training int8 graph.
    public init(student: StudentModel, momentum: Float = 0.01, calibration: [Int: PostTrainingQuantization.Range]? = nil) {
        self.student = student
        self.momentum = momentum
        if let calibration {
            let tensors = StudentLowering.floatGraph(student).tensors
            for (index, range) in calibration where Self.observerName(tensors[index].name) == tensors[index].name {
                observers[tensors[index].name] = RangeObserver(momentum: momentum, range: range)
            }
        }
    }

    /// The observer a float-graph tensor takes its range from: pooled tensors share the features', a reshaped input
    /// its input's, the probabilities the logits'.
    static func observerName(_ tensorName: String) -> String {
        tensorName.hasSuffix("_pooled") ? "features"
            : tensorName.hasSuffix("_2d") ? String(tensorName.dropLast(3))
            : tensorName == "probabilities" ? "logits" : tensorName
    }

    private func observeAndQuantize(_ tensor: Tensor, name: String) -> Tensor {
        var observer = observers[name] ?? RangeObserver(momentum: momentum)
        if student.isTraining || observer.range == nil { withNoGrad { observer.observe(tensor) } }
        observers[name] = observer
        return FakeQuantization.activations(tensor, parameters: observer.parameters)
    }

    /// Fake-quantized logits [N, classCount] of inputs [N, channels_m, length_m] per modality.
    public func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        let configuration = student.configuration
        precondition(inputs.count == configuration.modalities.count,
                     "QuantizationAwareStudent: \(inputs.count) inputs for \(configuration.modalities.count) modalities")
        var pooled: [Tensor] = []
        for ((modality, stem), input) in zip(zip(configuration.modalities, student.stems), inputs) {
            var x = observeAndQuantize(input, name: modality.name)
            for (index, unit) in stem.units.enumerated() {
                let convolution = unit.convolution, norm = unit.normalization
                let outputs = convolution.weight.shape[0]
                let factor = norm.weight / (norm.runningVariance + norm.epsilon).sqrt()
                let weight = FakeQuantization.weights(convolution.weight * factor.reshaped([outputs, 1, 1]))
                let bias = norm.bias - norm.runningMean * factor
                x = x.conv1d(weight: weight, bias: bias, stride: convolution.stride, groups: convolution.groups).relu()
                x = observeAndQuantize(x, name: "\(modality.name)_unit\(index)")
            }
            pooled.append(x.mean(axes: [2]))
        }
        let featuresRaw = Tensor.concatenate(pooled, axis: 1)
        let features = observeAndQuantize(featuresRaw, name: "features")
        let hidden = observeAndQuantize(
            features.linear(weight: FakeQuantization.weights(student.hidden.weight, perChannel: false), bias: student.hidden.bias).relu(),
            name: "hidden")
        return observeAndQuantize(
            hidden.linear(weight: FakeQuantization.weights(student.classifier.weight, perChannel: false), bias: student.classifier.bias),
            name: configuration.output.tensorName)
    }

    /// The int8 graph of the current weights with the observed ranges (pooled tensors take the shared
    /// features range). Run at least one forward pass first.
    public func quantizedGraph() -> EdgeGraph {
        let graph = StudentLowering.floatGraph(student)
        return PostTrainingQuantization.quantize(graph, ranges: observedRanges(of: graph))
    }

    /// The observed range of every non-constant tensor of `graph` (the float graph of `student`), by tensor
    /// index: what `quantizedGraph()` quantizes with, and what a run records so an export rebuilds the same graph.
    public func observedRanges(of graph: EdgeGraph) -> [Int: PostTrainingQuantization.Range] {
        var ranges: [Int: PostTrainingQuantization.Range] = [:]
        for (index, tensor) in graph.tensors.enumerated() where tensor.constant == nil {
            guard let range = observers[Self.observerName(tensor.name)]?.range else {
                preconditionFailure("QuantizationAwareStudent: no observed range for \(tensor.name); run a forward pass first")
            }
            ranges[index] = range
        }
        return ranges
    }
}
