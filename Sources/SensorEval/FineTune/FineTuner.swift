import Foundation
import SensorData
import SensorNN
import SensorPretrain
import SensorTensor

/// Model outputs for a list of windows.
public struct Predictions: Sendable, Codable, Equatable {
    public var task: TaskSpec
    public var windowIndices: [Int]
    public var subjects: [String]
    /// Predicted class per window (classification).
    public var classes: [Int]
    /// [N · C] class probabilities, row-major (classification).
    public var probabilities: [Float]
    /// Predicted value per window in the task's unit (regression).
    public var values: [Float]

    public init(task: TaskSpec, windowIndices: [Int], subjects: [String], classes: [Int] = [], probabilities: [Float] = [],
                values: [Float] = []) {
        self.task = task
        self.windowIndices = windowIndices
        self.subjects = subjects
        self.classes = classes
        self.probabilities = probabilities
        self.values = values
    }
}

/// An encoder with a trained head, able to predict a task on new windows.
public final class FineTunedModel {
    public let task: TaskSpec
    public let configuration: FineTuneConfiguration
    public let encoder: any Encoder
    public let head: PredictionHead
    /// Standardisation of regression targets (mean, standard deviation); (0, 1) for classes.
    public let targetMean: Float
    public let targetScale: Float
    /// Mean training loss of each epoch.
    public let epochLosses: [Float]
    /// The probe's per-dimension standardisation of the frozen embeddings (nil for other modes).
    public let embeddingStandardization: EmbeddingStandardization?
    /// The probe's frozen-embedding cache (nil for modes that train the encoder).
    let cache: EmbeddingCache?

    /// A model from its parts (a saved fine-tuned model read back; `cache` only for probes in memory).
    public init(task: TaskSpec, configuration: FineTuneConfiguration, encoder: any Encoder, head: PredictionHead,
                targetMean: Float, targetScale: Float, epochLosses: [Float],
                embeddingStandardization: EmbeddingStandardization? = nil, cache: EmbeddingCache? = nil) {
        self.embeddingStandardization = embeddingStandardization
        self.task = task
        self.configuration = configuration
        self.encoder = encoder
        self.head = head
        self.targetMean = targetMean
        self.targetScale = targetScale
        self.epochLosses = epochLosses
        self.cache = cache
    }

    /// Pooled embeddings [indices.count, D] of windows of `windows` (evaluation mode, no grad).
    public func embeddings(windows: WindowSet, indices: [Int]) -> Tensor {
        if let cache, cache.windows.windowCount == windows.windowCount, cache.windows.subjects == windows.subjects {
            return cache.embeddings(indices)
        }
        encoder.eval()
        return withNoGrad {
            let chunks = stride(from: 0, to: indices.count, by: configuration.inferenceBatchSize).map { start in
                let chunk = Array(indices[start..<min(indices.count, start + configuration.inferenceBatchSize)])
                let inputs = EncoderInputs(layout: encoder.layout, windows: windows, indices: chunk)
                return encoder.embed(inputs.patches, mask: inputs.mask)
            }
            return chunks.count == 1 ? chunks[0] : Tensor.concatenate(chunks, axis: 0)
        }
    }

    /// Predictions for the windows at `indices`.
    public func predict(windows: WindowSet, indices: [Int]) -> Predictions {
        guard !indices.isEmpty else { return Predictions(task: task, windowIndices: [], subjects: []) }
        let output = withNoGrad {
            let embedded = embeddings(windows: windows, indices: indices)
            return head(embeddingStandardization?.apply(embedded) ?? embedded)
        }
        let subjects = indices.map { windows.subject(ofWindow: $0) }
        switch task.kind {
        case .classification:
            let probabilities = withNoGrad { output.softmax(axis: 1) }.scalars
            let classCount = task.classCount
            let classes = indices.indices.map { row in
                (0..<classCount).max { probabilities[row * classCount + $0] < probabilities[row * classCount + $1] }!
            }
            return Predictions(task: task, windowIndices: indices, subjects: subjects, classes: classes, probabilities: probabilities)
        case .regression:
            return Predictions(task: task, windowIndices: indices, subjects: subjects,
                               values: output.scalars.map { $0 * targetScale + targetMean })
        }
    }

    /// Predictions for the labelled windows of `targets`.
    public func predict(windows: WindowSet, targets: TaskTargets) -> Predictions {
        predict(windows: windows, indices: targets.windowIndices)
    }
}

/// Trains heads (and, by mode, encoder layers) on a task's labelled training windows.
public enum FineTuner {
    /// Fine-tunes on `training` (labelled windows of `windows`). The linear probe leaves `encoder`
    /// untouched (pass `cache` to share embeddings between runs); partial and full fine-tuning
    /// train a copy, so one pretrained encoder serves every fraction and seed. For the from-scratch
    /// baseline pass a freshly initialised encoder of the same `EncoderSpec`.
    public static func train(encoder: any Encoder, windows: WindowSet, training: TaskTargets,
                             configuration: FineTuneConfiguration, cache: EmbeddingCache? = nil) throws(EvaluationError) -> FineTunedModel {
        try EncoderInputs.validate(layout: encoder.layout, windows: windows)
        guard training.count > 0 else { throw .noTrainingWindows(task: training.task.name) }
        let task = training.task
        var generator = RandomGenerator(seed: configuration.seed)
        let head = PredictionHead(kind: configuration.head, inputDimensions: encoder.dimensions,
                                  outputDimensions: task.kind == .classification ? task.classCount : 1, generator: &generator)
        let (mean, scale) = standardisation(training)
        let standardised = training.values.map { ($0 - mean) / scale }

        let model: any Encoder, probeCache: EmbeddingCache?
        var standardization: EmbeddingStandardization?
        var parameters: [(String, Tensor, Float)] = head.namedParameters().map { ("head.\($0.0)", $0.1, 1) }
        switch configuration.mode {
        case .linearProbe:
            model = encoder
            if let cache {
                probeCache = cache
            } else {
                probeCache = try EmbeddingCache(encoder: encoder, windows: windows, batchSize: configuration.inferenceBatchSize)
            }
            standardization = EmbeddingStandardization(fitting: probeCache!.embeddings(training.windowIndices))
        case .partial(let blocks):
            model = encoder.makeCopy()
            probeCache = nil
            let depths = EncoderDepths(model)
            for (name, tensor) in model.namedParameters() {
                tensor.requiresGrad = depths.isTrainable(name, lastBlocks: blocks)
                if tensor.requiresGrad { parameters.append(("encoder.\(name)", tensor, 1)) }
            }
        case .full(let decay):
            model = encoder.makeCopy()
            probeCache = nil
            let depths = EncoderDepths(model)
            for (name, tensor) in model.namedParameters() {
                tensor.requiresGrad = true
                parameters.append(("encoder.\(name)", tensor, depths.learningRateFactor(of: name, decay: decay)))
            }
        }
        let optimizer = LayerwiseAdamW(parameters: parameters, learningRate: configuration.learningRate,
                                       weightDecay: configuration.weightDecay)
        let batchesPerEpoch = (training.count + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = configuration.epochs * batchesPerEpoch
        let warmUp = min(totalSteps - 1, Int(configuration.warmUpFraction * Double(totalSteps)))
        let schedule = CosineSchedule(peak: configuration.learningRate, minimum: configuration.learningRate * 0.01,
                                      warmUpSteps: warmUp, totalSteps: totalSteps)
        // Full fine-tuning uses batch statistics; partial keeps the frozen layers' statistics fixed.
        if case .full = configuration.mode { model.train() } else { model.eval() }

        var epochLosses: [Float] = [], step = 0
        for _ in 0..<configuration.epochs {
            let order = generator.permutation(training.count)
            var lossSum = 0.0
            for batch in 0..<batchesPerEpoch {
                let positions = Array(order[(batch * configuration.batchSize)..<min(order.count, (batch + 1) * configuration.batchSize)])
                let indices = positions.map { training.windowIndices[$0] }
                let embedded: Tensor
                if let probeCache {
                    embedded = standardization!.apply(probeCache.embeddings(indices))
                } else {
                    let inputs = EncoderInputs(layout: model.layout, windows: windows, indices: indices)
                    embedded = model.embed(inputs.patches, mask: inputs.mask)
                }
                let loss = HeadLoss.loss(head(embedded),
                                         classes: task.kind == .classification ? positions.map { training.classes[$0] } : nil,
                                         standardisedValues: task.kind == .regression ? positions.map { standardised[$0] } : nil,
                                         regression: configuration.regressionLoss)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.learningRate = schedule.learningRate(step: step)
                optimizer.step()
                step += 1
                lossSum += Double(loss.item) * Double(positions.count)
            }
            epochLosses.append(Float(lossSum / Double(training.count)))
        }
        optimizer.zeroGrad()
        for (_, tensor, _) in parameters { tensor.requiresGrad = false }
        model.eval()
        return FineTunedModel(task: task, configuration: configuration, encoder: model, head: head, targetMean: mean,
                              targetScale: scale, epochLosses: epochLosses, embeddingStandardization: standardization, cache: probeCache)
    }

    /// Mean and standard deviation of regression targets ((0, 1) for classes or a constant target).
    static func standardisation(_ targets: TaskTargets) -> (Float, Float) {
        guard targets.task.kind == .regression, !targets.values.isEmpty else { return (0, 1) }
        let n = Double(targets.values.count)
        let mean = targets.values.reduce(0.0) { $0 + Double($1) } / n
        let variance = targets.values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (Float(mean), variance > 0 ? Float(variance.squareRoot()) : 1)
    }
}

/// Per-dimension z-scoring of frozen embeddings fitted on the probe's training windows, so the
/// head's optimiser sees unit-scale inputs whatever the encoder's output scale (a pooled, normalised
/// embedding can vary little around a large mean). Dimensions that do not vary get scale 1.
public struct EmbeddingStandardization: Sendable, Codable, Equatable {
    public var means: [Float]
    public var scales: [Float]

    public init(means: [Float], scales: [Float]) {
        precondition(means.count == scales.count, "EmbeddingStandardization: \(means.count) means for \(scales.count) scales")
        self.means = means
        self.scales = scales
    }

    /// Fits on embeddings [N, D].
    public init(fitting embeddings: Tensor) {
        let (rows, width) = (embeddings.shape[0], embeddings.shape[1])
        let values = embeddings.scalars
        var sums = [Double](repeating: 0, count: width), squares = [Double](repeating: 0, count: width)
        for row in 0..<rows {
            for column in 0..<width { let v = Double(values[row * width + column]); sums[column] += v; squares[column] += v * v }
        }
        let n = Double(max(rows, 1))
        means = sums.map { Float($0 / n) }
        scales = (0..<width).map { column in
            let variance = squares[column] / n - (sums[column] / n) * (sums[column] / n)
            return variance > 1e-12 ? Float(variance.squareRoot()) : 1
        }
    }

    /// (x − mean) / scale per column of [N, D] (a constant: no gradient flows into the frozen encoder).
    public func apply(_ embeddings: Tensor) -> Tensor {
        let width = means.count
        precondition(embeddings.shape.last == width, "EmbeddingStandardization: embeddings of width \(embeddings.shape) for \(width) dimensions")
        let values = embeddings.scalars
        return Tensor(shape: embeddings.shape, scalars: values.indices.map { (values[$0] - means[$0 % width]) / scales[$0 % width] })
    }
}
