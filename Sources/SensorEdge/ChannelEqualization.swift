import Foundation
import SensorNN
import SensorTensor

/// Cross-layer channel equalization of a float `StudentModel` before it is quantized (Nagel et al. 2019,
/// "Data-Free Quantization Through Weight Equalization and Bias Correction").
///
/// Every activation the int8 graph quantizes per tensor (each convolution unit's ReLU output, the pooled features
/// and the hidden layer) has channels whose values span a small part of the tensor's range; they keep few int8
/// levels, and the requantization of the layers after them amplifies the rounding in which integer runtimes
/// differ (LiteRT's XNNPACK kernels against the reference ones). Channel `i` of such an activation is multiplied by
/// `1/s_i` and the input channel `i` of the layer reading it by `s_i`, with `s_i = (peak_i / tensor peak)^strength`
/// measured on calibration windows. ReLU and mean pooling commute with a positive scale and the batch norm is
/// folded with its running statistics (inference and quantization-aware training alike), so the float model
/// computes the same function, to rounding, while the small channels grow toward the tensor's range.
public enum ChannelEqualization {
    /// Smallest channel share of its tensor's peak that is equalized: one int8 step of the tensor's range. Quieter
    /// (or dead) channels grow by at most `(1/256)^-strength`.
    static let smallestShare: Float = 1 / 256

    /// The scale `s_i` of each channel: `(max(peak_i / top, smallestShare))^strength`, where `top` is the largest
    /// peak of the tensor (`tensorPeak`, default the largest of `peaks`). A tensor that never activates keeps scale 1.
    public static func shares(peaks: [Float], tensorPeak: Float? = nil, strength: Float) -> [Float] {
        let top = tensorPeak ?? (peaks.max() ?? 0)
        guard top > 0 else { return peaks.map { _ in 1 } }
        return peaks.map { pow(Swift.max($0 / top, smallestShare), strength) }
    }

    /// Equalizes `student` in place with channel peaks measured on `inputs` ([N, channels_m, length_m] per
    /// modality, normalised as in training); `strength` in (0, 1] (0.5 balances the activation against the next
    /// layer's weight ranges). Runs in inference mode and restores the student's mode.
    public static func apply(to student: StudentModel, inputs: [Tensor], strength: Float) {
        precondition(strength > 0 && strength <= 1, "ChannelEqualization: strength \(strength) must be in (0, 1]")
        let wasTraining = student.isTraining
        student.train(false)
        defer { student.train(wasTraining) }
        withNoGrad {
            let peaks = ActivationPeaks(student, inputs: inputs)
            for (stem, unitPeaks) in zip(student.stems, peaks.units) {
                for index in 0..<(stem.units.count - 1) {
                    let scales = shares(peaks: unitPeaks[index], strength: strength)
                    scaleOutputs(of: stem.units[index], by: scales.map { 1 / $0 })
                    scaleInputs(of: stem.units[index + 1], by: scales)
                }
            }
            let featurePeak = peaks.pooled.joined().max() ?? 0
            var featureScales: [Float] = []
            for (stem, pooled) in zip(student.stems, peaks.pooled) {
                let scales = shares(peaks: pooled, tensorPeak: featurePeak, strength: strength)
                scaleOutputs(of: stem.units.last!, by: scales.map { 1 / $0 })
                featureScales += scales
            }
            scaleColumns(of: student.hidden.weight, by: featureScales)
            let hiddenScales = shares(peaks: ActivationPeaks.hidden(student, inputs: inputs), strength: strength)
            scaleRows(of: student.hidden, by: hiddenScales.map { 1 / $0 })
            scaleColumns(of: student.classifier.weight, by: hiddenScales)
        }
    }

    /// Output channel `i` of a unit times `factors[i]`: its batch norm's γ and β (the folded weights and bias).
    private static func scaleOutputs(of unit: ConvolutionUnit, by factors: [Float]) {
        let factor = Tensor(shape: [factors.count], scalars: factors)
        unit.normalization.weight.assign(unit.normalization.weight * factor)
        unit.normalization.bias.assign(unit.normalization.bias * factor)
    }

    /// Input channel `i` of a unit's convolution times `factors[i]`: a depthwise filter's channel `i`, otherwise
    /// weight column `i` ([out, in, taps]).
    private static func scaleInputs(of unit: ConvolutionUnit, by factors: [Float]) {
        let weight = unit.convolution.weight
        let shape = unit.isDepthwise ? [factors.count, 1, 1] : [1, factors.count, 1]
        weight.assign(weight * Tensor(shape: shape, scalars: factors))
    }

    private static func scaleColumns(of weight: Tensor, by factors: [Float]) {
        weight.assign(weight * Tensor(shape: [1, factors.count], scalars: factors))
    }

    private static func scaleRows(of layer: Linear, by factors: [Float]) {
        layer.weight.assign(layer.weight * Tensor(shape: [factors.count, 1], scalars: factors))
        if let bias = layer.bias { bias.assign(bias * Tensor(shape: [factors.count], scalars: factors)) }
    }
}

/// The per-channel largest values of a student's quantized activations on a batch of windows.
struct ActivationPeaks {
    /// Per modality, per convolution unit, per output channel: the largest ReLU output.
    var units: [[[Float]]] = []
    /// Per modality, per channel of its pooled features.
    var pooled: [[Float]] = []

    init(_ student: StudentModel, inputs: [Tensor]) {
        precondition(inputs.count == student.stems.count, "ChannelEqualization: \(inputs.count) inputs for \(student.stems.count) modalities")
        for (stem, input) in zip(student.stems, inputs) {
            var x = input, stemPeaks: [[Float]] = []
            for unit in stem.units {
                x = unit(x)
                stemPeaks.append(Self.channelMaxima(x))
            }
            units.append(stemPeaks)
            pooled.append(x.mean(axes: [2]).max(axes: [0]).scalars)
        }
    }

    /// Per hidden unit, its largest ReLU output. `apply` measures it in a second pass, after the stems and features
    /// are equalized (the same function to float rounding); the shipped students' results were measured that way.
    static func hidden(_ student: StudentModel, inputs: [Tensor]) -> [Float] {
        student.hidden(student.embedding(inputs)).relu().max(axes: [0]).scalars
    }

    /// [N, C, T] -> the largest value of each channel.
    private static func channelMaxima(_ x: Tensor) -> [Float] {
        x.max(axes: [0, 2]).scalars
    }
}
