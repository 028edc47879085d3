import SensorNN
import SensorTensor

/// What a distillation run leaves besides the trained student.
public struct DistillationResult {
    /// Mean training loss of each epoch (the weighted sum of the configured terms).
    public var epochLosses: [Float]
    /// The student-embedding -> teacher-embedding projection of feature distillation (nil without it). It is a
    /// training aid only: the deployed student never computes it.
    public var projection: Linear?
}

/// Trains a student from precomputed teacher outputs (logits and/or embeddings) and the labels it has.
public enum Distiller {
    /// The distillation loss of one batch: α·T²·KL(teacher_T ‖ student_T) over every window (with teacher logits),
    /// (1 − α)·cross-entropy over the labelled windows (label -1 is skipped; weight 1 without teacher logits), and
    /// β·feature term between `projection(student embedding)` and the teacher embedding. A regression student
    /// (`StudentOutput.values`) uses mean squared errors instead: α·MSE to the teacher's values over every window,
    /// (1 − α)·MSE to the ground truth over the labelled ones.
    /// `inputs` are [N, channels, length] per modality; `targets` has the same N rows.
    public static func loss(student: StudentModel, projection: Linear?, inputs: [Tensor], targets: DistillationTargets,
                            configuration: DistillationConfiguration) -> Tensor {
        let embedding = student.embedding(inputs)
        let outputs = student.classifier(student.hidden(embedding).relu())
        var total = outputLoss(outputs, kind: student.configuration.output, targets: targets, configuration: configuration)
        if let projection, let teacherEmbeddings = targets.embeddings, configuration.featureWeight > 0 {
            let projected = projection(embedding)
            let feature: Tensor
            switch configuration.featureLoss {
            case .cosine: feature = 1 - Loss.cosineSimilarity(projected, teacherEmbeddings, axis: 1).mean()
            case .meanSquaredError: feature = Loss.mse(projected, teacherEmbeddings)
            }
            total = total + configuration.featureWeight * feature
        }
        return total
    }

    /// The teacher-output and ground-truth terms of `loss` for head outputs [N, outputs].
    public static func outputLoss(_ outputs: Tensor, kind: StudentOutput, targets: DistillationTargets,
                                  configuration: DistillationConfiguration) -> Tensor {
        var total = Tensor(0)
        let hardWeight: Float
        if let teacher = targets.logits {
            let soft = kind == .classes
                ? Loss.klDivergence(student: outputs, teacher: teacher, temperature: configuration.temperature)
                : Loss.mse(outputs, teacher)
            total = total + configuration.logitWeight * soft
            hardWeight = 1 - configuration.logitWeight
        } else {
            hardWeight = 1
        }
        let labelled = targets.labels.filter { $0 >= 0 }.count
        guard hardWeight > 0, labelled > 0 else { return total }
        switch kind {
        case .classes:
            return total + hardWeight * Loss.crossEntropy(outputs, targets: targets.labels, ignoreIndex: -1)
        case .values:
            let columns = outputs.shape[1]
            let mask = Tensor(shape: outputs.shape, scalars: targets.labels.flatMap { [Float](repeating: $0 >= 0 ? 1 : 0, count: columns) })
            let truth = Tensor(shape: outputs.shape, scalars: targets.values.flatMap { [Float](repeating: $0.isNaN ? 0 : $0, count: columns) })
            return total + hardWeight * ((outputs - truth).squared() * mask).sum() / Float(labelled * columns)
        }
    }

    /// Distils into `student` (trained in place) over all N windows of `inputs` ([N, channels, length] per
    /// modality, already normalised) for `configuration.epochs` epochs of seeded shuffled batches, AdamW with
    /// a cosine-decayed learning rate. Deterministic for a given seed. Leaves the student in eval mode.
    public static func train(student: StudentModel, inputs: [Tensor], targets: DistillationTargets,
                             configuration: DistillationConfiguration) throws(DistillationError) -> DistillationResult {
        try validate(student: student, inputs: inputs, targets: targets)
        var generator = RandomGenerator(seed: configuration.seed)
        var projection: Linear?
        if let teacherEmbeddings = targets.embeddings, configuration.featureWeight > 0 {
            projection = Linear(inputDimensions: student.configuration.featureWidth,
                                outputDimensions: teacherEmbeddings.shape[1], generator: &generator)
        }
        var parameters = student.namedParameters().map { ("student.\($0.0)", $0.1) }
        if let projection { parameters += projection.namedParameters().map { ("projection.\($0.0)", $0.1) } }
        student.train()
        let losses = optimize(parameters: parameters, count: targets.count, configuration: configuration, generator: &generator) { rows in
            loss(student: student, projection: projection, inputs: inputs.map { $0.indexSelect(axis: 0, indices: rows) },
                 targets: targets.rows(rows), configuration: configuration)
        }
        student.eval()
        return DistillationResult(epochLosses: losses, projection: projection)
    }

    /// Quantization-aware fine-tuning of an already distilled student: the same teacher-output and ground-truth
    /// terms (no feature term), computed on the fake-quantized forward pass of `quantizationAware` (batch norm
    /// folded with frozen running statistics, per-channel int8 weights, EMA-observed int8 activations,
    /// straight-through gradients), for `configuration.epochs` epochs. Updates the student's weights and the
    /// observers in place; leaves the student in eval mode. Returns the mean loss of each epoch.
    public static func fineTuneQuantizationAware(_ quantizationAware: QuantizationAwareStudent, inputs: [Tensor],
                                                 targets: DistillationTargets,
                                                 configuration: DistillationConfiguration) throws(DistillationError) -> [Float] {
        let student = quantizationAware.student
        try validate(student: student, inputs: inputs, targets: targets)
        var generator = RandomGenerator(seed: configuration.seed)
        let parameters = student.namedParameters().map { ("student.\($0.0)", $0.1) }
        student.train()
        let losses = optimize(parameters: parameters, count: targets.count, configuration: configuration, generator: &generator) { rows in
            outputLoss(quantizationAware(inputs.map { $0.indexSelect(axis: 0, indices: rows) }), kind: student.configuration.output,
                       targets: targets.rows(rows), configuration: configuration)
        }
        student.eval()
        return losses
    }

    private static func validate(student: StudentModel, inputs: [Tensor], targets: DistillationTargets) throws(DistillationError) {
        try targets.validate(classCount: student.configuration.classCount)
        for input in inputs where input.rank != 3 || input.shape[0] != targets.count {
            throw .targetCount(name: "student inputs", expected: targets.count, found: input.rank == 3 ? input.shape[0] : 0)
        }
    }

    /// Seeded shuffled mini-batches over `count` windows for `configuration.epochs` epochs, AdamW with a cosine-decayed
    /// learning rate on `parameters`; `batchLoss(rows)` is the loss of one batch. Returns the mean loss of each epoch.
    private static func optimize(parameters: [(String, Tensor)], count: Int, configuration: DistillationConfiguration,
                                 generator: inout RandomGenerator, batchLoss: ([Int]) -> Tensor) -> [Float] {
        let optimizer = AdamW(parameters: parameters, learningRate: configuration.learningRate,
                              weightDecay: configuration.weightDecay)
        let batchesPerEpoch = (count + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = configuration.epochs * batchesPerEpoch
        let schedule = CosineSchedule(peak: configuration.learningRate, minimum: configuration.learningRate * 0.05,
                                      warmUpSteps: 0, totalSteps: max(totalSteps, 1))
        var epochLosses = [Float](), step = 0
        for _ in 0..<configuration.epochs {
            let order = generator.permutation(count)
            var lossSum = 0.0
            for batch in 0..<batchesPerEpoch {
                let rows = Array(order[(batch * configuration.batchSize)..<min(order.count, (batch + 1) * configuration.batchSize)])
                let loss = batchLoss(rows)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.learningRate = schedule.learningRate(step: step)
                optimizer.step()
                step += 1
                lossSum += Double(loss.item) * Double(rows.count)
            }
            epochLosses.append(Float(lossSum / Double(count)))
        }
        optimizer.zeroGrad()
        return epochLosses
    }
}
