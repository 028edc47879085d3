import SensorNN
import SensorTensor

/// Batch norm folded into the convolution before it: w'_o = w_o · γ_o/√(σ²_o + ε),
/// b'_o = β_o + (b_o − μ_o) · γ_o/√(σ²_o + ε), with the running statistics (evaluation-mode batch norm).
public struct FoldedConvolution: Sendable {
    /// [O, I/groups, K] (PyTorch layout).
    public var weight: [Float]
    /// [O].
    public var bias: [Float]
    public var outputChannels: Int
    public var inputChannelsPerGroup: Int
    public var kernelSize: Int

    public init(_ unit: ConvolutionUnit) {
        let convolution = unit.convolution, normalization = unit.normalization
        let shape = convolution.weight.shape
        outputChannels = shape[0]
        inputChannelsPerGroup = shape[1]
        kernelSize = shape[2]
        let gamma = normalization.weight.scalars, beta = normalization.bias.scalars
        let mean = normalization.runningMean.scalars, variance = normalization.runningVariance.scalars
        let originalBias = convolution.bias?.scalars ?? [Float](repeating: 0, count: outputChannels)
        var weight = convolution.weight.scalars
        var bias = [Float](repeating: 0, count: outputChannels)
        let perChannel = inputChannelsPerGroup * kernelSize
        for o in 0..<outputChannels {
            let factor = gamma[o] / (variance[o] + normalization.epsilon).squareRoot()
            for j in 0..<perChannel { weight[o * perChannel + j] *= factor }
            bias[o] = beta[o] + (originalBias[o] - mean[o]) * factor
        }
        self.weight = weight
        self.bias = bias
    }
}

/// Lowers a trained student to the float `EdgeGraph` in TFLite's layout: per modality an input [1, L, C],
/// RESHAPE to [1, 1, L, C], CONV_2D + ReLU stem, (DEPTHWISE_CONV_2D + ReLU, CONV_2D 1×1 + ReLU) blocks, MEAN
/// over axes (1, 2) -> [1, channels]; CONCATENATION of the modalities -> FULLY_CONNECTED + ReLU -> logits ->
/// SOFTMAX. Outputs are the logits and the probabilities; a regression student (`StudentOutput.values`) ends
/// at its FULLY_CONNECTED output `values`.
public enum StudentLowering {
    public static func floatGraph(_ student: StudentModel) -> EdgeGraph {
        let configuration = student.configuration
        var graph = EdgeGraph()
        var pooled: [Int] = []
        let axes = graph.addTensor(EdgeTensor(name: "mean_axes", shape: [2], elementType: .int32, constant: .int32([1, 2])))
        for (modality, stem) in zip(configuration.modalities, student.stems) {
            let input = graph.addTensor(EdgeTensor(name: modality.name, shape: [1, modality.length, modality.channels],
                                                   elementType: .float32))
            graph.inputs.append(input)
            let shape = graph.addTensor(EdgeTensor(name: "\(modality.name)_shape", shape: [4], elementType: .int32,
                                                   constant: .int32([1, 1, Int32(modality.length), Int32(modality.channels)])))
            var current = graph.addTensor(EdgeTensor(name: "\(modality.name)_2d",
                                                     shape: [1, 1, modality.length, modality.channels], elementType: .float32))
            graph.operators.append(.reshape(input: input, shape: shape, output: current))
            var length = modality.length
            for (index, unit) in stem.units.enumerated() {
                let folded = FoldedConvolution(unit)
                let stride = unit.convolution.stride
                length = ConvolutionPadding.valid.geometry(inputLength: length, kernelSize: folded.kernelSize, stride: stride).outputLength
                let prefix = "\(modality.name)_unit\(index)"
                let output = graph.addTensor(EdgeTensor(name: prefix, shape: [1, 1, length, folded.outputChannels],
                                                        elementType: .float32))
                let bias = graph.addTensor(EdgeTensor(name: "\(prefix)_bias", shape: [folded.outputChannels],
                                                      elementType: .float32, constant: .float(folded.bias)))
                if unit.isDepthwise {
                    let filter = graph.addTensor(EdgeTensor(name: "\(prefix)_filter", shape: [1, 1, folded.kernelSize, folded.outputChannels],
                                                            elementType: .float32, constant: .float(depthwiseFilter(folded))))
                    graph.operators.append(.depthwiseConvolution(input: current, filter: filter, bias: bias, output: output,
                                                                 stride: stride, padding: .valid, activation: .relu))
                } else {
                    let filter = graph.addTensor(EdgeTensor(name: "\(prefix)_filter",
                                                            shape: [folded.outputChannels, 1, folded.kernelSize, folded.inputChannelsPerGroup],
                                                            elementType: .float32, constant: .float(convolutionFilter(folded))))
                    graph.operators.append(.convolution(input: current, filter: filter, bias: bias, output: output,
                                                        stride: stride, padding: .valid, activation: .relu))
                }
                current = output
            }
            let mean = graph.addTensor(EdgeTensor(name: "\(modality.name)_pooled", shape: [1, graph.tensors[current].shape[3]],
                                                  elementType: .float32))
            graph.operators.append(.mean(input: current, axes: axes, output: mean))
            pooled.append(mean)
        }
        let features = graph.addTensor(EdgeTensor(name: "features", shape: [1, configuration.featureWidth],
                                                  elementType: .float32))
        graph.operators.append(.concatenation(inputs: pooled, output: features, axis: 1))
        let hidden = appendDense(student.hidden, input: features, name: "hidden", activation: .relu, to: &graph)
        let logits = appendDense(student.classifier, input: hidden, name: configuration.output.tensorName, activation: .none, to: &graph)
        guard configuration.output == .classes else {
            graph.outputs = [logits]
            return graph
        }
        let probabilities = graph.addTensor(EdgeTensor(name: "probabilities", shape: [1, configuration.classCount],
                                                       elementType: .float32))
        graph.operators.append(.softmax(input: logits, output: probabilities))
        graph.outputs = [logits, probabilities]
        return graph
    }

    private static func appendDense(_ layer: Linear, input: Int, name: String, activation: FusedActivation,
                                    to graph: inout EdgeGraph) -> Int {
        let outputs = layer.outputDimensions, inputs = layer.inputDimensions
        let weights = graph.addTensor(EdgeTensor(name: "\(name)_weights", shape: [outputs, inputs], elementType: .float32,
                                                 constant: .float(layer.weight.scalars)))
        let bias = graph.addTensor(EdgeTensor(name: "\(name)_bias", shape: [outputs], elementType: .float32,
                                              constant: .float(layer.bias?.scalars ?? [Float](repeating: 0, count: outputs))))
        let output = graph.addTensor(EdgeTensor(name: name, shape: [1, outputs], elementType: .float32))
        graph.operators.append(.fullyConnected(input: input, weights: weights, bias: bias, output: output, activation: activation))
        return output
    }

    /// [O, I, K] -> [O, 1, K, I].
    static func convolutionFilter(_ folded: FoldedConvolution) -> [Float] {
        let o = folded.outputChannels, i = folded.inputChannelsPerGroup, k = folded.kernelSize
        var result = [Float](repeating: 0, count: o * k * i)
        for oc in 0..<o { for ic in 0..<i { for tap in 0..<k {
            result[(oc * k + tap) * i + ic] = folded.weight[(oc * i + ic) * k + tap]
        } } }
        return result
    }

    /// [C, 1, K] -> [1, 1, K, C].
    static func depthwiseFilter(_ folded: FoldedConvolution) -> [Float] {
        let c = folded.outputChannels, k = folded.kernelSize
        var result = [Float](repeating: 0, count: c * k)
        for channel in 0..<c { for tap in 0..<k { result[tap * c + channel] = folded.weight[channel * k + tap] } }
        return result
    }
}
