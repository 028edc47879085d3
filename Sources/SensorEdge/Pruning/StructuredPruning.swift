import SensorNN
import SensorTensor

/// One step of a pruning run as recorded in a distill run's record, results and model card: the student after
/// round `round` (0: the distilled student before pruning) and its fine-tuning.
public struct PruningRound: Codable, Sendable, Equatable {
    public var round: Int
    /// Channels per modality and channel group (`StudentConfiguration.stemWidths`).
    public var stemWidths: [[Int]]
    public var parameters: Int
    public var weightBytes: Int
    public var plannedArenaBytes: Int
    public var estimatedRuntimeArenaBytes: Int
    /// Mean loss of each fine-tuning epoch after the round (empty for round 0).
    public var fineTuneLosses: [Float]
    /// What the caller measured on the student after the round (e.g. float test accuracy).
    public var metrics: [String: Double]
}

/// Prunes a distilled student in rounds (`PruningPlan`): rank every channel group's channels (`ChannelImportance`),
/// keep the strongest to the round's widths (`StudentPruning`), then distil again for `fineTuneEpochs` so the
/// remaining channels take over from the removed ones. Deterministic for a given seed.
public enum StructuredPruning {
    public struct Settings: Sendable, Equatable {
        public var importance: ChannelImportance
        public var fineTuneEpochs: Int
        /// Windows per batch of the gradient importance pass.
        public var importanceBatchSize: Int

        public init(importance: ChannelImportance, fineTuneEpochs: Int, importanceBatchSize: Int = 64) {
            precondition(fineTuneEpochs > 0 && importanceBatchSize > 0,
                         "StructuredPruning: fine-tune epochs \(fineTuneEpochs) and batch size \(importanceBatchSize) must be > 0")
            self.importance = importance
            self.fineTuneEpochs = fineTuneEpochs
            self.importanceBatchSize = importanceBatchSize
        }
    }

    /// The pruned, fine-tuned student (in eval mode) and one record per round, round 0 first. `measure` scores a
    /// student for the record (it must not train it).
    public static func run(_ student: StudentModel, plan: PruningPlan, settings: Settings, inputs: [Tensor],
                           targets: DistillationTargets, distillation: DistillationConfiguration, profile: DeviceProfile,
                           measure: (StudentModel) throws -> [String: Double]) throws -> (student: StudentModel, rounds: [PruningRound]) {
        var current = student
        current.eval()
        var rounds = [try record(current, round: 0, losses: [], profile: profile, measure: measure)]
        for (index, widths) in plan.roundWidths.enumerated() {
            let scores: [[[Float]]]
            switch settings.importance {
            case .l1: scores = ChannelImportance.l1Norms(current)
            case .gradient: scores = ChannelImportance.taylor(current, inputs: inputs, targets: targets, configuration: distillation,
                                                              batchSize: settings.importanceBatchSize)
            }
            current = StudentPruning.pruned(current, keeping: StudentPruning.selection(scores: scores, widths: widths))
            var fineTuning = distillation
            fineTuning.epochs = settings.fineTuneEpochs
            fineTuning.seed = distillation.seed &+ UInt64(index + 2)
            let result = try Distiller.train(student: current, inputs: inputs, targets: targets, configuration: fineTuning)
            rounds.append(try record(current, round: index + 1, losses: result.epochLosses, profile: profile, measure: measure))
        }
        return (current, rounds)
    }

    private static func record(_ student: StudentModel, round: Int, losses: [Float], profile: DeviceProfile,
                               measure: (StudentModel) throws -> [String: Double]) throws -> PruningRound {
        let budget = BudgetReport(graph: StudentLowering.floatGraph(student), profile: profile)
        return PruningRound(round: round, stemWidths: student.configuration.stemWidths, parameters: budget.parameters,
                            weightBytes: budget.deployedWeightBytes, plannedArenaBytes: budget.arenaBytes,
                            estimatedRuntimeArenaBytes: budget.estimatedRuntimeArenaBytes, fineTuneLosses: losses,
                            metrics: try measure(student))
    }
}
