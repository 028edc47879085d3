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
    /// β·feature term between `projection(student embedding)` and the teacher embedding.
    /// `inputs` are [N, channels, length] per modality; `targets` has the same N rows.
    public static func loss(student: StudentModel, projection: Linear?, inputs: [Tensor], targets: DistillationTargets,
                            configuration: DistillationConfiguration) -> Tensor {
        let embedding = student.embedding(inputs)
        let logits = student.classifier(student.hidden(embedding).relu())
        var total = Tensor(0)
        let hardWeight: Float
        if let teacherLogits = targets.logits {
            total = total + configuration.logitWeight * Loss.klDivergence(student: logits, teacher: teacherLogits,
                                                                          temperature: configuration.temperature)
            hardWeight = 1 - configuration.logitWeight
        } else {
            hardWeight = 1
        }
        if hardWeight > 0, targets.labels.contains(where: { $0 >= 0 }) {
            total = total + hardWeight * Loss.crossEntropy(logits, targets: targets.labels, ignoreIndex: -1)
        }
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

    /// Distils into `student` (trained in place) over all N windows of `inputs` ([N, channels, length] per
    /// modality, already normalised) for `configuration.epochs` epochs of seeded shuffled batches, AdamW with
    /// a cosine-decayed learning rate. Deterministic for a given seed. Leaves the student in eval mode.
    public static func train(student: StudentModel, inputs: [Tensor], targets: DistillationTargets,
                             configuration: DistillationConfiguration) throws(DistillationError) -> DistillationResult {
        try targets.validate(classCount: student.configuration.classCount)
        for input in inputs where input.rank != 3 || input.shape[0] != targets.count {
            throw .targetCount(name: "student inputs", expected: targets.count, found: input.rank == 3 ? input.shape[0] : 0)
        }
        var generator = RandomGenerator(seed: configuration.seed)
        var projection: Linear?
        if let teacherEmbeddings = targets.embeddings, configuration.featureWeight > 0 {
            projection = Linear(inputDimensions: student.configuration.width * student.configuration.modalities.count,
                                outputDimensions: teacherEmbeddings.shape[1], generator: &generator)
        }
        var parameters = student.namedParameters().map { ("student.\($0.0)", $0.1) }
        if let projection { parameters += projection.namedParameters().map { ("projection.\($0.0)", $0.1) } }
        let optimizer = AdamW(parameters: parameters, learningRate: configuration.learningRate,
                              weightDecay: configuration.weightDecay)
        let batchesPerEpoch = (targets.count + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = configuration.epochs * batchesPerEpoch
        let schedule = CosineSchedule(peak: configuration.learningRate, minimum: configuration.learningRate * 0.05,
                                      warmUpSteps: 0, totalSteps: max(totalSteps, 1))
        student.train()
        var epochLosses = [Float](), step = 0
        for _ in 0..<configuration.epochs {
            let order = generator.permutation(targets.count)
            var lossSum = 0.0
            for batch in 0..<batchesPerEpoch {
                let rows = Array(order[(batch * configuration.batchSize)..<min(order.count, (batch + 1) * configuration.batchSize)])
                let batchTargets = DistillationTargets(logits: targets.logits?.indexSelect(axis: 0, indices: rows),
                                                       embeddings: targets.embeddings?.indexSelect(axis: 0, indices: rows),
                                                       labels: rows.map { targets.labels[$0] })
                let loss = loss(student: student, projection: projection,
                                inputs: inputs.map { $0.indexSelect(axis: 0, indices: rows) },
                                targets: batchTargets, configuration: configuration)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.learningRate = schedule.learningRate(step: step)
                optimizer.step()
                step += 1
                lossSum += Double(loss.item) * Double(rows.count)
            }
            epochLosses.append(Float(lossSum / Double(targets.count)))
        }
        optimizer.zeroGrad()
        student.eval()
        return DistillationResult(epochLosses: epochLosses, projection: projection)
    }
}
