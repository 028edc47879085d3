import Foundation
import Testing
@testable import SensorData
import SensorNN
import SensorTensor
@testable import SensorEdge

/// Distillation: input normalisation, the loss against hand-computed values, and that a student actually
/// learns its teacher (logits, features, unlabelled windows), deterministically.
@Suite struct DistillationTests {
    static let configuration = EdgeSelfCheck.goldenConfiguration

    /// Windows whose class is the PPG tone's frequency band (3 classes); the other modalities are noise.
    static func windows(count: Int, seed: UInt64) -> (WindowSet, [Int]) {
        var generator = RandomGenerator(seed: seed)
        let layouts = configuration.modalities.map {
            ModalityLayout(name: $0.name, samplingRate: 1, channelNames: (0..<$0.channels).map { "c\($0)" }, unit: "au",
                           samplesPerWindow: $0.length)
        }
        var set = WindowSet(windowSeconds: 1, strideSeconds: 1, modalities: layouts, labelSchema: [])
        var classes = [Int]()
        for index in 0..<count {
            let label = index % 3
            var window = [String: ArraySlice<Float>]()
            for modality in configuration.modalities {
                var values = [Float](repeating: 0, count: modality.length * modality.channels)
                for t in 0..<modality.length {
                    for c in 0..<modality.channels {
                        let tone = modality.name == "ppg" ? 2 * sin(Float(t) * 0.25 * Float(label + 1)) : 0
                        values[t * modality.channels + c] = tone + 0.3 * generator.nextNormal() + 5
                    }
                }
                window[modality.name] = values[...]
            }
            set.append(window: window, classes: [:], values: [:], subject: set.subjectIndex("s\(index % 4)"), start: Float(index))
            classes.append(label)
        }
        return (set, classes)
    }

    @Test func normalisationFitsChannelStatisticsAndSkipsNaN() throws {
        let layout = ModalityLayout(name: "acc", samplingRate: 1, channelNames: ["x", "y"], unit: "g", samplesPerWindow: 3)
        var set = WindowSet(windowSeconds: 3, strideSeconds: 3, modalities: [layout], labelSchema: [])
        // Time-major, channels interleaved: x = 1, 2, 3 / 5, NaN, 7 and y = 10 everywhere.
        set.append(window: ["acc": [1, 10, 2, 10, 3, 10][...]], classes: [:], values: [:], subject: 0, start: 0)
        set.append(window: ["acc": [5, 10, .nan, 10, 7, 10][...]], classes: [:], values: [:], subject: 0, start: 3)
        let modality = StudentModality(name: "acc", channels: 2, length: 3)
        let normalization = try StudentInputNormalization.fit(windows: set, indices: [0, 1], modalities: [modality])
        let x = [1.0, 2, 3, 5, 7], mean = x.reduce(0, +) / 5
        let deviation = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        #expect(abs(Double(normalization.modalities[0].means[0]) - mean) < 1e-6)
        #expect(abs(Double(normalization.modalities[0].deviations[0]) - deviation) < 1e-5)
        #expect(normalization.modalities[0].means[1] == 10 && normalization.modalities[0].deviations[1] == 1)
        let input = try normalization.inputs(windows: set, indices: [1], modalities: [modality])[0]
        #expect(input.shape == [1, 2, 3])
        let expected = [(5 - mean) / deviation, 0, (7 - mean) / deviation, 0, 0, 0]
        for (value, reference) in zip(input.scalars, expected) { #expect(abs(Double(value) - reference) < 1e-5) }
    }

    @Test func missingOrMisshapenModalityIsNamed() {
        let (set, _) = Self.windows(count: 3, seed: 1)
        #expect(throws: DistillationError.modalityMissing(modality: "eda", available: ["ppg", "acc", "temp"])) {
            try StudentInputNormalization.fit(windows: set, indices: [0], modalities: [StudentModality(name: "eda", channels: 1, length: 16)])
        }
        #expect(throws: DistillationError.modalityShape(modality: "ppg", expected: [32, 1], found: [64, 1])) {
            try StudentInputNormalization.fit(windows: set, indices: [0], modalities: [StudentModality(name: "ppg", channels: 1, length: 32)])
        }
    }

    /// The loss equals α·T²·KL + (1 − α)·CE over the labelled rows, computed here in Double from the logits.
    @Test func lossMatchesHandComputedTerms() {
        var generator = RandomGenerator(seed: 3)
        let student = EdgeSelfCheck.randomStudent(configuration: Self.configuration, seed: 2)
        let inputs = Self.configuration.modalities.map { Tensor.normal([3, $0.channels, $0.length], generator: &generator) }
        let teacher = Tensor.normal([3, Self.configuration.classCount], generator: &generator)
        let labels = [1, -1, 4]
        let settings = DistillationConfiguration(temperature: 2, logitWeight: 0.6)
        let loss = withNoGrad {
            Distiller.loss(student: student, projection: nil, inputs: inputs,
                           targets: DistillationTargets(logits: teacher, embeddings: nil, labels: labels), configuration: settings).item
        }
        let studentLogits = withNoGrad { student(inputs) }.scalars.map { Double($0) }
        let teacherLogits = teacher.scalars.map { Double($0) }, classes = Self.configuration.classCount
        func logSoftmax(_ row: ArraySlice<Double>, _ t: Double) -> [Double] {
            let scaled = row.map { $0 / t }, top = scaled.max()!
            let logSum = log(scaled.map { exp($0 - top) }.reduce(0, +)) + top
            return scaled.map { $0 - logSum }
        }
        var kl = 0.0, crossEntropy = 0.0, labelled = 0.0
        for n in 0..<3 {
            let s = studentLogits[(n * classes)..<((n + 1) * classes)], t = teacherLogits[(n * classes)..<((n + 1) * classes)]
            let logP = logSoftmax(t, 2), logQ = logSoftmax(s, 2)
            kl += zip(logP, logQ).map { exp($0) * ($0 - $1) }.reduce(0, +)
            if labels[n] >= 0 { crossEntropy -= logSoftmax(s, 1)[labels[n]]; labelled += 1 }
        }
        let expected = 0.6 * 4 * kl / 3 + 0.4 * crossEntropy / labelled
        #expect(abs(Double(loss) - expected) < 1e-4 * max(1, abs(expected)), "loss \(loss) vs hand-computed \(expected)")
    }

    /// A teacher that knows the class (confident logits) and labels on only a third of the windows: the student
    /// ends up agreeing with the teacher on held-out windows far above chance (1/3).
    @Test func studentLearnsTheTeacherFromMostlyUnlabelledWindows() throws {
        let (training, classes) = Self.windows(count: 60, seed: 5)
        let (held, heldClasses) = Self.windows(count: 30, seed: 6)
        let configuration = StudentConfiguration(modalities: Self.configuration.modalities, width: 8, depth: 1, kernelSize: 3,
                                                 stride: 2, hiddenDimensions: 12, classCount: 3)
        var generator = RandomGenerator(seed: 9)
        let student = StudentModel(configuration: configuration, generator: &generator)
        let normalization = try StudentInputNormalization.fit(windows: training, indices: Array(0..<60), modalities: configuration.modalities)
        let inputs = try normalization.inputs(windows: training, indices: Array(0..<60), modalities: configuration.modalities)
        let teacher = Tensor(shape: [60, 3], scalars: classes.flatMap { label in (0..<3).map { $0 == label ? 4 : 0 } })
        let labels = classes.enumerated().map { $0.offset % 3 == 0 ? $0.element : -1 }
        let result = try Distiller.train(student: student, inputs: inputs,
                                         targets: DistillationTargets(logits: teacher, embeddings: nil, labels: labels),
                                         configuration: DistillationConfiguration(epochs: 30, batchSize: 12, learningRate: 1e-2))
        #expect(result.epochLosses.last! < 0.5 * result.epochLosses.first!, "losses \(result.epochLosses)")
        let heldInputs = try normalization.inputs(windows: held, indices: Array(0..<30), modalities: configuration.modalities)
        let predicted = withNoGrad { student(heldInputs) }.argmax(axis: 1).scalars.map { Int($0) }
        let agreement = zip(predicted, heldClasses).filter { $0 == $1 }.count
        #expect(agreement >= 24, "student agrees with the teacher on \(agreement) of 30 held-out windows")
    }

    /// Feature distillation alone (no logits, no labels): the projected student embedding turns towards the
    /// teacher's embedding.
    @Test func featureDistillationAlignsEmbeddings() throws {
        let (training, classes) = Self.windows(count: 36, seed: 7)
        let configuration = Self.configuration
        var generator = RandomGenerator(seed: 11)
        let student = StudentModel(configuration: configuration, generator: &generator)
        let normalization = try StudentInputNormalization.fit(windows: training, indices: Array(0..<36), modalities: configuration.modalities)
        let inputs = try normalization.inputs(windows: training, indices: Array(0..<36), modalities: configuration.modalities)
        let directions = Tensor.normal([3, 10], generator: &generator).scalars
        let embeddings = Tensor(shape: [36, 10], scalars: classes.flatMap { Array(directions[($0 * 10)..<($0 * 10 + 10)]) })
        let targets = DistillationTargets(logits: nil, embeddings: embeddings, labels: Array(repeating: -1, count: 36))
        let settings = DistillationConfiguration(featureWeight: 1, featureLoss: .cosine, epochs: 15, batchSize: 12, learningRate: 1e-2)
        let result = try Distiller.train(student: student, inputs: inputs, targets: targets, configuration: settings)
        let projection = try #require(result.projection)
        let similarity = withNoGrad { Loss.cosineSimilarity(projection(student.embedding(inputs)), embeddings, axis: 1).mean() }.item
        #expect(similarity > 0.8, "mean cosine similarity to the teacher embedding \(similarity)")
        #expect(result.epochLosses.last! < result.epochLosses.first!)
    }

    @Test func sameSeedGivesBitIdenticalStudents() throws {
        let (training, classes) = Self.windows(count: 12, seed: 8)
        func distil() throws -> [[Float]] {
            var generator = RandomGenerator(seed: 1)
            let student = StudentModel(configuration: Self.configuration, generator: &generator)
            let normalization = try StudentInputNormalization.fit(windows: training, indices: Array(0..<12), modalities: Self.configuration.modalities)
            let inputs = try normalization.inputs(windows: training, indices: Array(0..<12), modalities: Self.configuration.modalities)
            _ = try Distiller.train(student: student, inputs: inputs,
                                    targets: DistillationTargets(logits: nil, embeddings: nil, labels: classes),
                                    configuration: DistillationConfiguration(epochs: 2, batchSize: 5, seed: 3))
            return student.namedParameters().map { $0.1.scalars }
        }
        #expect(try distil() == distil())
    }

    @Test func targetsWithTheWrongShapeAreRefused() {
        var generator = RandomGenerator(seed: 1)
        let student = StudentModel(configuration: Self.configuration, generator: &generator)
        let inputs = Self.configuration.modalities.map { Tensor.zeros([4, $0.channels, $0.length]) }
        #expect(throws: DistillationError.classCount(student: 5, teacher: 3)) {
            try Distiller.train(student: student, inputs: inputs,
                                targets: DistillationTargets(logits: Tensor.zeros([4, 3]), embeddings: nil, labels: [0, 1, 2, 3]),
                                configuration: DistillationConfiguration(epochs: 1))
        }
        #expect(throws: DistillationError.targetCount(name: "student inputs", expected: 3, found: 4)) {
            try Distiller.train(student: student, inputs: inputs,
                                targets: DistillationTargets(logits: nil, embeddings: nil, labels: [0, 1, 2]),
                                configuration: DistillationConfiguration(epochs: 1))
        }
    }
}
