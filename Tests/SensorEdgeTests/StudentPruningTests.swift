import Foundation
import Testing
import SensorNN
import SensorTensor
@testable import SensorEdge

/// Structured channel pruning: removing a dead channel is exact, the importance scores match independent
/// references (hand-folded L1 norms, finite differences of the loss), a pruned student lowers, quantizes and
/// exports with the reduced shapes, and a plan reaches its target size.
@Suite struct StudentPruningTests {
    static let configuration = EdgeSelfCheck.goldenConfiguration

    /// Every channel of every group except `removed[(m, j)]`.
    static func keepAll(_ configuration: StudentConfiguration, except removed: [[Int]: Int]) -> [[[Int]]] {
        configuration.stemWidths.enumerated().map { m, widths in
            widths.enumerated().map { j, width in (0..<width).filter { removed[[m, j]] != $0 } }
        }
    }

    /// Makes channel `channel` of group `group` of stem `m` dead: zero producer weights and batch norms whose
    /// folded biases are negative (the producer's and, before a block, its depthwise unit's, which would otherwise
    /// turn the zero into a constant), so the channel is exactly zero on every input.
    static func kill(_ student: StudentModel, modality m: Int, group: Int, channel: Int) {
        let units = student.stems[m].units
        let weight = units[2 * group].convolution.weight, perChannel = weight.count / weight.shape[0]
        var values = weight.scalars
        for j in 0..<perChannel { values[channel * perChannel + j] = 0 }
        weight.assign(Tensor(shape: weight.shape, scalars: values))
        for unit in units[(2 * group)...min(2 * group + 1, units.count - 1)] {
            var beta = unit.normalization.bias.scalars, mean = unit.normalization.runningMean.scalars
            beta[channel] = -0.5
            mean[channel] = 0.1
            unit.normalization.bias.assign(Tensor(shape: [beta.count], scalars: beta))
            unit.normalization.runningMean.assign(Tensor(shape: [mean.count], scalars: mean))
        }
    }

    @Test func removingDeadChannelsLeavesOutputsUnchanged() {
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 4)
        // A stem channel (feeds a depthwise and a pointwise unit) and a last-group channel (feeds the hidden layer).
        Self.kill(student, modality: 0, group: 0, channel: 3)
        Self.kill(student, modality: 1, group: 1, channel: 5)
        Self.kill(student, modality: 2, group: 0, channel: 0)
        let pruned = StudentPruning.pruned(student, keeping: Self.keepAll(Self.configuration, except: [[0, 0]: 3, [1, 1]: 5, [2, 0]: 0]))
        pruned.eval()
        #expect(pruned.configuration.stemWidths == [[7, 8], [8, 7], [7, 8]])
        #expect(pruned.parameterCount < student.parameterCount)
        var generator = RandomGenerator(seed: 6)
        let inputs = EdgeStudentTests.randomInputs(3, generator: &generator)
        let before = withNoGrad { student(inputs) }.scalars, after = withNoGrad { pruned(inputs) }.scalars
        for (a, b) in zip(before, after) { #expect(abs(a - b) <= 1e-6 * max(1, abs(a)), "\(a) vs \(b)") }
        // The lowered graphs sum the same non-zero terms in the same order: bit-identical.
        let original = FloatReference(graph: StudentLowering.floatGraph(student))
        let smaller = FloatReference(graph: StudentLowering.floatGraph(pruned))
        for n in 0..<3 {
            let sample = EdgeStudentTests.channelsLast(inputs, sample: n)
            #expect(original.run(sample) == smaller.run(sample), "sample \(n)")
        }
    }

    @Test func l1RankingFoldsBatchNormAndPicksTheSmallestChannel() {
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 5)
        let unit = student.stems[1].units[2]
        let weight = unit.convolution.weight, perChannel = weight.count / weight.shape[0]
        var values = weight.scalars
        for j in 0..<perChannel { values[6 * perChannel + j] *= 0.01 }
        weight.assign(Tensor(shape: weight.shape, scalars: values))
        let scores = ChannelImportance.l1Norms(student)
        #expect(scores.map { $0.map(\.count) } == Self.configuration.stemWidths)
        // Hand-folded reference: Σ|w| · γ / √(σ² + ε).
        let norm = unit.normalization
        for channel in 0..<weight.shape[0] {
            let raw = values[(channel * perChannel)..<((channel + 1) * perChannel)].reduce(0) { $0 + Double(abs($1)) }
            let factor = Double(norm.weight.scalars[channel]) / (Double(norm.runningVariance.scalars[channel]) + Double(norm.epsilon)).squareRoot()
            #expect(abs(Double(scores[1][1][channel]) - raw * abs(factor)) < 1e-5 * max(1, raw))
        }
        let keep = StudentPruning.selection(scores: scores, widths: [[8, 8], [8, 7], [8, 8]])
        #expect(keep[1][1] == [0, 1, 2, 3, 4, 5, 7])
        #expect(keep[0] == [Array(0..<8), Array(0..<8)])
        #expect(StudentPruning.strongest([3, 1, 3, 2], count: 2) == [0, 2])
    }

    /// The Taylor score of a channel is |∂loss/∂m| for a scale m on its output; scaling the producer's batch-norm
    /// γ and β by m scales the ReLU output by m exactly, so a central difference of the loss in m is the reference.
    @Test func gradientImportanceMatchesFiniteDifferences() {
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 8)
        var generator = RandomGenerator(seed: 9)
        let inputs = EdgeStudentTests.randomInputs(6, generator: &generator)
        let targets = DistillationTargets(logits: Tensor.normal([6, Self.configuration.classCount], generator: &generator),
                                          embeddings: nil, labels: [0, 1, -1, 3, 4, -1])
        let settings = DistillationConfiguration(temperature: 2, logitWeight: 0.5)
        let scores = ChannelImportance.taylor(student, inputs: inputs, targets: targets, configuration: settings, batchSize: 6)
        func loss() -> Double {
            withNoGrad { Double(Distiller.outputLoss(student(inputs), kind: .classes, targets: targets, configuration: settings).item) }
        }
        for (m, group, channel) in [(0, 0, 2), (1, 1, 4), (2, 0, 7), (0, 1, 0)] {
            let norm = student.stems[m].units[2 * group].normalization
            let gamma = norm.weight.scalars, beta = norm.bias.scalars
            func scaled(_ s: Float) {
                var g = gamma, b = beta
                g[channel] *= s
                b[channel] *= s
                norm.weight.assign(Tensor(shape: [g.count], scalars: g))
                norm.bias.assign(Tensor(shape: [b.count], scalars: b))
            }
            let h: Float = 1e-2
            scaled(1 + h); let up = loss()
            scaled(1 - h); let down = loss()
            scaled(1)
            let reference = abs(up - down) / (2 * Double(h))
            #expect(abs(Double(scores[m][group][channel]) - reference) <= 2e-3 + 2e-2 * reference,
                    "stem \(m) group \(group) channel \(channel): Taylor \(scores[m][group][channel]), finite difference \(reference)")
        }
        #expect(student.namedParameters().allSatisfy { $0.1.grad == nil })
    }

    /// A student pruned to uneven widths lowers to a graph with the reduced shapes, its int8 graph agrees with the
    /// float one within quantization error, serializes to .tflite, and its C export is byte-identical to the Swift runtime.
    @Test func prunedStudentLowersQuantizesAndExports() throws {
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 12)
        let widths = [[5, 3], [6, 4], [2, 7]]
        let pruned = StudentPruning.pruned(student, keeping: StudentPruning.selection(scores: ChannelImportance.l1Norms(student), widths: widths))
        pruned.eval()
        let floatGraph = StudentLowering.floatGraph(pruned)
        func shape(_ name: String) -> [Int]? { floatGraph.tensors.first { $0.name == name }?.shape }
        #expect(shape("ppg_unit0") == [1, 1, 31, 5] && shape("ppg_unit1_filter") == [1, 1, 3, 5])
        #expect(shape("ppg_unit2_filter") == [3, 1, 1, 5] && shape("ppg_pooled") == [1, 3])
        #expect(shape("acc_unit0_filter") == [6, 1, 3, 3] && shape("temp_unit2") == [1, 1, 3, 7])
        #expect(shape("features") == [1, 14] && shape("hidden_weights") == [12, 14])
        var generator = RandomGenerator(seed: 13)
        let calibration = EdgeSelfCheck.syntheticWindows(configuration: pruned.configuration, count: 32, generator: &generator)
        let graph = PostTrainingQuantization.quantize(floatGraph, ranges: PostTrainingQuantization.calibrate(floatGraph, samples: calibration))
        let runtime = IntegerRuntime(graph: graph), reference = FloatReference(graph: floatGraph)
        let logitsQ = graph.tensors[graph.outputs[0]].quantization!
        let test = EdgeSelfCheck.syntheticWindows(configuration: pruned.configuration, count: 8, generator: &generator)
        var worst: Float = 0, range: Float = 0
        for window in test {
            let expected = reference.run(window)[0]
            let actual = runtime.run(PostTrainingQuantization.quantizeInputs(window, for: graph))[0]
                .map { logitsQ.scale * Float(Int32($0) - logitsQ.zeroPoint) }
            worst = max(worst, zip(expected, actual).map { abs($0 - $1) }.max()!)
            range = max(range, expected.map(abs).max()!)
        }
        // Eight quantized layers in a row: a few output steps of error, far below the logits' magnitude.
        #expect(worst <= 12 * logitsQ.scale && worst < 0.1 * range, "int8 vs float logits: worst \(worst), scale \(logitsQ.scale), range \(range)")
        #expect(!TFLiteWriter.serialize(graph).isEmpty)
        let raw = Array(test.prefix(3))
        try EdgeCExportTests.check(graph: graph, raw: raw, int8: raw.map { PostTrainingQuantization.quantizeInputs($0, for: graph) })
    }

    static func profile(weightBytes: Int, arenaBytes: Int) -> DeviceProfile {
        DeviceProfile(name: "tiny", processor: "test", clockMegahertz: 64, arithmetic: .int8, inferenceRateHertz: 0.1,
                      weightFlashBytes: weightBytes, arenaBytes: arenaBytes, runtimeOverhead: RuntimeOverhead(fixedBytes: 0), cyclesPerMultiplyAccumulate: 6)
    }

    @Test func planReachesTheProfileWithTheLargestUniformFraction() throws {
        let wide = StudentConfiguration(modalities: Self.configuration.modalities, width: 16, depth: 1, kernelSize: 3, stride: 2,
                                        hiddenDimensions: 12, classCount: 5)
        let profile = Self.profile(weightBytes: 1500, arenaBytes: 4096)
        #expect(!PruningPlan.budget(wide, widths: wide.stemWidths, profile: profile).violations.isEmpty)
        let plan = try PruningPlan(configuration: wide, target: .profile, rounds: 3, profile: profile)
        let final = try #require(plan.roundWidths.last)
        #expect(PruningPlan.budget(wide, widths: final, profile: profile).violations.isEmpty)
        let oneMore = PruningPlan.widths(wide.stemWidths, keeping: plan.fraction + 1.0 / 16)
        #expect(!PruningPlan.budget(wide, widths: oneMore, profile: profile).violations.isEmpty, "a wider uniform student fits too")
        // Rounds shrink monotonically from the original towards the target.
        var previous = wide.stemWidths
        for widths in plan.roundWidths {
            #expect(zip(widths.joined(), previous.joined()).allSatisfy { $0 <= $1 })
            previous = widths
        }
        #expect(plan.roundWidths.count == 3 && plan.roundWidths[0] != final)
        let half = try PruningPlan(configuration: wide, target: .fraction(0.5), rounds: 1, profile: Self.profile(weightBytes: 65536, arenaBytes: 65536))
        #expect(half.roundWidths == [[[8, 8], [8, 8], [8, 8]]])
        #expect(throws: EdgeBudgetError.self) {
            try PruningPlan(configuration: wide, target: .fraction(0.9), rounds: 2, profile: profile)
        }
    }

    /// Pruning with fine-tuning between rounds reaches the plan's widths on the profile, deterministically.
    @Test func pruningRunReachesTheTarget() throws {
        let (windows, classes) = DistillationTests.windows(count: 24, seed: 3)
        let wide = StudentConfiguration(modalities: Self.configuration.modalities, width: 12, depth: 1, kernelSize: 3, stride: 2,
                                        hiddenDimensions: 12, classCount: 3)
        let profile = Self.profile(weightBytes: 1200, arenaBytes: 4096)
        let normalization = try StudentInputNormalization.fit(windows: windows, indices: Array(0..<24), modalities: wide.modalities)
        let inputs = try normalization.inputs(windows: windows, indices: Array(0..<24), modalities: wide.modalities)
        let targets = DistillationTargets(logits: nil, embeddings: nil, labels: classes)
        let plan = try PruningPlan(configuration: wide, target: .profile, rounds: 2, profile: profile)
        func prune(_ importance: ChannelImportance) throws -> (StudentModel, [PruningRound]) {
            var generator = RandomGenerator(seed: 2)
            let student = StudentModel(configuration: wide, generator: &generator)
            let distillation = DistillationConfiguration(epochs: 2, batchSize: 8, learningRate: 1e-2, seed: 4)
            _ = try Distiller.train(student: student, inputs: inputs, targets: targets, configuration: distillation)
            return try StructuredPruning.run(student, plan: plan, settings: .init(importance: importance, fineTuneEpochs: 1, importanceBatchSize: 8),
                                             inputs: inputs, targets: targets, distillation: distillation, profile: profile) { student in
                ["parameters": Double(student.parameterCount)]
            }
        }
        for importance in ChannelImportance.allCases {
            let (student, rounds) = try prune(importance)
            #expect(student.configuration.stemWidths == plan.roundWidths.last!)
            #expect(rounds.map(\.round) == [0, 1, 2] && rounds[0].stemWidths == wide.stemWidths)
            #expect(rounds[0].weightBytes > profile.weightFlashBytes && rounds[2].weightBytes <= profile.weightFlashBytes)
            #expect(rounds.dropFirst().allSatisfy { $0.fineTuneLosses.count == 1 && $0.fineTuneLosses[0].isFinite })
            #expect(rounds[2].metrics["parameters"] == Double(student.parameterCount))
            try BudgetReport(graph: StudentLowering.floatGraph(student), profile: profile).requireFit()
            let (again, _) = try prune(importance)
            #expect(again.namedParameters().map { $0.1.scalars } == student.namedParameters().map { $0.1.scalars })
        }
    }
}
