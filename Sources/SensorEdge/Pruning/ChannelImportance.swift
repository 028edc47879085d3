import SensorNN
import SensorTensor

/// How structured pruning ranks the output channels of a student's layers. A channel group is what one stem
/// convolution or one block's pointwise convolution writes (`StudentConfiguration.stemWidths[m][j]`); removing
/// one of its channels also removes that channel from the next block's depthwise convolution and from the
/// input of the layer after (the next pointwise convolution, or the hidden layer for a stem's last group).
public enum ChannelImportance: String, Sendable, Codable, Equatable, CaseIterable {
    /// L1 norm of each output channel's weights with batch norm folded in (Li et al., 2017): the folded weights
    /// are what the deployed graph multiplies by, so a channel of small raw weights but large γ/σ is not
    /// mistaken for an unimportant one.
    case l1
    /// First-order Taylor estimate of the loss change when the channel is removed (Molchanov et al., 2017):
    /// |Σ activation · ∂loss/∂activation| per batch, summed over the batches of the training windows.
    case gradient

    /// Scores by modality, channel group and channel: L1 norms of the BN-folded producer weights.
    public static func l1Norms(_ student: StudentModel) -> [[[Float]]] {
        student.stems.map { stem in
            stride(from: 0, to: stem.units.count, by: 2).map { index in
                let folded = FoldedConvolution(stem.units[index])
                let perChannel = folded.inputChannelsPerGroup * folded.kernelSize
                return (0..<folded.outputChannels).map { channel in
                    folded.weight[(channel * perChannel)..<((channel + 1) * perChannel)].reduce(0) { $0 + abs($1) }
                }
            }
        }
    }

    /// Scores by modality, channel group and channel: the Taylor criterion accumulated over consecutive batches of
    /// `batchSize` windows of `inputs` ([N, channels, length] per modality, normalised), with the teacher-output and
    /// ground-truth loss of `Distiller.outputLoss`. Each channel group's post-ReLU output is multiplied by a mask of
    /// ones, whose gradient is exactly Σ_{n,t} a·∂loss/∂a; the student runs in evaluation mode (running batch-norm
    /// statistics, as deployed) and its weights are left unchanged.
    public static func taylor(_ student: StudentModel, inputs: [Tensor], targets: DistillationTargets,
                              configuration: DistillationConfiguration, batchSize: Int) -> [[[Float]]] {
        let masks = student.configuration.stemWidths.map { widths in
            widths.map { Tensor(shape: [1, $0, 1], repeating: 1, requiresGrad: true) }
        }
        var scores = student.configuration.stemWidths.map { $0.map { [Float](repeating: 0, count: $0) } }
        let wasTraining = student.isTraining
        student.eval()
        for start in stride(from: 0, to: targets.count, by: batchSize) {
            let rows = Array(start..<min(targets.count, start + batchSize))
            var pooled: [Tensor] = []
            for (m, stem) in student.stems.enumerated() {
                var x = inputs[m].indexSelect(axis: 0, indices: rows)
                for (index, unit) in stem.units.enumerated() {
                    x = unit(x)
                    if index % 2 == 0 { x = x * masks[m][index / 2] }
                }
                pooled.append(x.mean(axes: [2]))
            }
            let outputs = student.classifier(student.hidden(Tensor.concatenate(pooled, axis: 1)).relu())
            let loss = Distiller.outputLoss(outputs, kind: student.configuration.output, targets: targets.rows(rows),
                                            configuration: configuration)
            for mask in masks.joined() { mask.grad = nil }
            loss.backward()
            for (m, groups) in masks.enumerated() {
                for (j, mask) in groups.enumerated() {
                    let gradient = mask.grad?.scalars ?? [Float](repeating: 0, count: mask.count)
                    for channel in gradient.indices { scores[m][j][channel] += abs(gradient[channel]) }
                }
            }
        }
        student.zeroGrad()
        student.train(wasTraining)
        return scores
    }
}
