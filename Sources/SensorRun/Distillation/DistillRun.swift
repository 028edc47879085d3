import Foundation
import Logging
import SensorData
import SensorEdge
import SensorEval
import SensorNN
import SensorTensor

/// `sensorfm distill CONFIG --teacher RUN_DIR`: a wearable-sized student learns one task from a fine-tuning run's
/// model (teacher outputs, and with feature distillation its embeddings, computed once on every window of the
/// training subjects, labelled or not; classes by KL + cross-entropy, heart rate by MSE to the teacher's values and
/// to the ground truth), is quantized to int8 (post-training, or quantization-aware fine-tuning with the
/// post-training graph as a reported baseline), and is scored on the test subjects as teacher, float student and
/// int8 student (the int8 one through the Swift integer runtime on inputs normalised and quantized as on the
/// device): accuracy for classes, mean absolute error in the task's unit for regression.
///
/// With a `pruning` section the distilled student is then pruned in rounds with distillation fine-tuning between them
/// (`StructuredPruning`) to the target before quantization; each round is recorded in student.json and results.json.
///
/// Everything that can be refused is checked before training: the device profile, the task, the modalities of the
/// dataset and of the teacher, and the student's budget on the device (the pruned student's, with pruning; the
/// error names the layer). The run folder
/// (config.yaml, meta.json, student.safetensors, student.json, budget.json, results.json, verification/ with the TFLite
/// bundle and every raw test window for measuring the C export) is written to a
/// temporary sibling and renamed into place at the end, so a failure leaves nothing.
public enum DistillRun {
    /// Test windows in the run's `verification/` bundle (int8 inputs and the Swift integer runtime's outputs, for
    /// Scripts/check_tflite.py).
    static let verificationSamples = 300

    public static func start(configFile: URL, overrides: [String], teacher: URL, runDirectory: URL?, interactive: Bool) throws -> URL {
        let started = Date()
        let logger = RunLogSink(interactive: interactive, logFile: nil).logger()
        let configuration = try DistillationRunConfiguration.load(file: configFile, overrides: overrides)
        Threading.setThreadCount(configuration.threads)
        let destination = runDirectory?.standardizedFileURL ?? PretrainRun.defaultRunDirectory(name: configuration.name)
        if FileManager.default.fileExists(atPath: destination.path) { throw RunError.alreadyExists(path: destination.path) }
        let location = ConfigLocation(file: configFile.path, line: nil)
        let profile: DeviceProfile
        do { profile = try DeviceProfile.load(configuration.device) } catch {
            throw ConfigError(.inconsistent, path: "device", location: location, "\(error)")
        }
        let teacherRun = try TeacherRun.open(teacher, task: configuration.task, location: location)
        let dataset = teacherRun.dataset, windows = dataset.windows
        let regression = teacherRun.model.task.kind == .regression
        let studentConfiguration = try studentShape(configuration, windows: windows, teacherModalities: teacherRun.modalities,
                                                    classCount: regression ? 1 : teacherRun.model.task.classCount,
                                                    output: regression ? .values : .classes, location: location)
        var generator = RandomGenerator(seed: configuration.seed)
        var student = StudentModel(configuration: studentConfiguration, generator: &generator)
        let pruningPlan = try plannedPruning(configuration, student: studentConfiguration, profile: profile, location: location)
        if let pruningPlan, let final = pruningPlan.roundWidths.last {
            let budget = PruningPlan.budget(studentConfiguration, widths: final, profile: profile)
            logger.info("pruned student (\(String(format: "%.3f", pruningPlan.fraction)) of each layer's channels, \(final)) fits \(profile.name): \(budget.parameters) parameters, \(budget.deployedWeightBytes) weight bytes, arena \(budget.arenaBytes) B planned, \(budget.estimatedRuntimeArenaBytes) B estimated")
        } else {
            let budget = BudgetReport(graph: StudentLowering.floatGraph(student), profile: profile)
            do { try budget.requireFit() } catch {
                throw ConfigError(.inconsistent, path: "student", location: location, "\(error)")
            }
            logger.info("student fits \(profile.name): \(budget.parameters) parameters, \(budget.deployedWeightBytes) weight bytes, arena \(budget.arenaBytes) B planned, \(budget.estimatedRuntimeArenaBytes) B estimated")
        }

        let training = windows.windowIndices(ofSubjects: Set(teacherRun.fold.train))
        let test = teacherRun.targets.restricted(toSubjects: Set(teacherRun.fold.test))
        let task = teacherRun.model.task
        let teacherTargets = TeacherTargets.compute(teacher: teacherRun, training: training, embeddings: configuration.featureWeight > 0,
                                                   labelFraction: configuration.labelFraction, seed: configuration.seed)
        let targets = teacherTargets.targets
        logger.info("teacher \(configuration.task) outputs\(configuration.featureWeight > 0 ? " and embeddings" : "") on \(training.count) training windows (\(teacherTargets.labelledCount) labelled) of \(teacherRun.fold.train.count) subjects")

        let modalities = studentConfiguration.modalities
        let normalization = try StudentInputNormalization.fit(windows: windows, indices: training, modalities: modalities)
        let settings = DistillationConfiguration(temperature: configuration.temperature, logitWeight: configuration.logitWeight,
                                                 featureWeight: configuration.featureWeight, featureLoss: configuration.featureLoss,
                                                 epochs: configuration.epochs, batchSize: configuration.batchSize,
                                                 learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                                                 seed: configuration.seed)
        let trainingInputs = try normalization.inputs(windows: windows, indices: training, modalities: modalities)
        let distilled = try Distiller.train(student: student, inputs: trainingInputs, targets: targets, configuration: settings)
        guard distilled.epochLosses.allSatisfy({ $0.isFinite }) else {
            throw RunError.nonFiniteLoss(step: distilled.epochLosses.count, what: "the distillation loss", lastCheckpointStep: nil)
        }
        logger.info("distilled \(configuration.epochs) epochs, last loss \(distilled.epochLosses.last!)")

        let inputNormalization = InputNormalization(means: normalization.modalities.map(\.means),
                                                    deviations: normalization.modalities.map(\.deviations))
        let testWindows = test.windowIndices
        let scoring = StudentScoring(task: task, test: test, windows: windows, modalities: modalities, normalization: normalization,
                                     inputNormalization: inputNormalization, mean: teacherTargets.targetMean, scale: teacherTargets.targetScale)
        var pruningRounds: [PruningRound] = []
        if let pruningPlan, let pruning = configuration.pruning {
            let pruned = try StructuredPruning.run(
                student, plan: pruningPlan, settings: .init(importance: pruning.importance, fineTuneEpochs: pruning.fineTuneEpochs),
                inputs: trainingInputs, targets: targets, distillation: settings, profile: profile) { ["float_student_\(scoring.metricName)": try scoring.float($0)] }
            guard pruned.rounds.allSatisfy({ $0.fineTuneLosses.allSatisfy(\.isFinite) }) else {
                throw RunError.nonFiniteLoss(step: pruned.rounds.count, what: "the pruning fine-tuning loss", lastCheckpointStep: nil)
            }
            student = pruned.student
            pruningRounds = pruned.rounds
            for round in pruningRounds {
                logger.info("pruning round \(round.round) (\(pruning.importance.rawValue)): channels \(round.stemWidths), \(round.parameters) parameters, \(round.weightBytes) weight bytes, arena \(round.plannedArenaBytes) B planned / \(round.estimatedRuntimeArenaBytes) B estimated, test \(round.metrics.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", "))")
            }
        }
        let teacherScore = scoring.teacher(teacherRun.model)
        let floatScore = try scoring.float(student)
        // Positions in `training` (and rows of `trainingInputs`) of the calibration windows.
        let calibrationPositions = StudentEvaluation.evenlySpaced(Array(training.indices), limit: configuration.quantization.calibrationWindows)
        if let strength = configuration.equalization {
            ChannelEqualization.apply(to: student, inputs: trainingInputs.map { $0.indexSelect(axis: 0, indices: calibrationPositions) },
                                      strength: strength)
            logger.info("equalized the float student's channels (strength \(strength)) on \(calibrationPositions.count) calibration windows")
        }
        let calibration = calibrationPositions.map {
            StudentEvaluation.normalizedSample(windows: windows, window: training[$0], modalities: modalities, normalization: inputNormalization)
        }
        let quantization = try StudentQuantization.run(student: student, quantization: configuration.quantization, calibration: calibration,
                                                       inputs: trainingInputs, targets: targets, settings: settings)
        if !quantization.quantizationAwareLosses.isEmpty {
            logger.info("quantization-aware fine-tuning \(quantization.quantizationAwareLosses.count) epochs, last loss \(quantization.quantizationAwareLosses.last!)")
        }
        let quantized = quantization.graph
        let integerScore = scoring.integer(quantized)
        var accuracy = scoring.metrics(teacher: teacherScore, float: floatScore, integer: integerScore)
        let quantizationKind: String
        if case .quantizationAware = configuration.quantization {
            quantizationKind = "qat"
            let postTrainingScore = scoring.integer(quantization.postTraining)
            accuracy["ptq_int8_student_\(scoring.metricName)"] = postTrainingScore
            accuracy["qat_int8_student_\(scoring.metricName)"] = integerScore
        } else {
            quantizationKind = "ptq"
        }
        let baseline = accuracy["ptq_int8_student_" + scoring.metricName].map { ", int8 post-training baseline \($0)" } ?? ""
        logger.info("test \(scoring.metricName) on \(test.count) windows of \(teacherRun.fold.test.count) subjects: teacher \(teacherScore), float student \(floatScore), int8 student (\(quantizationKind)) \(integerScore)\(baseline)")

        let floatGraph = StudentLowering.floatGraph(student)
        let valueScaling = task.kind == .regression
            ? ModelCard.ValueScaling(unit: task.unit ?? "", mean: teacherTargets.targetMean, scale: teacherTargets.targetScale) : nil
        var named: [String: DistilledStudentRecord.Range] = [:]
        for (index, range) in quantization.ranges { named[floatGraph.tensors[index].name] = .init(minimum: range.minimum, maximum: range.maximum) }
        let record = DistilledStudentRecord(
            modalities: modalities.map { .init(name: $0.name, channels: $0.channels, length: $0.length) },
            width: configuration.width, stemWidths: student.configuration.stemWidths, depth: configuration.depth, kernelSize: configuration.kernelSize, stride: configuration.stride,
            hiddenDimensions: configuration.hiddenDimensions, classCount: studentConfiguration.classCount, classNames: task.classNames,
            task: configuration.task, windowSeconds: windows.windowSeconds, device: configuration.device.path,
            normalization: normalization, ranges: named, accuracyVersusTeacher: accuracy,
            output: studentConfiguration.output, valueScaling: valueScaling, quantization: quantizationKind,
            pruning: pruningRounds.isEmpty ? nil : pruningRounds)
        let results: [String: Any] = [
            "task": configuration.task, "test_windows": test.count, "test_subjects": teacherRun.fold.test,
            "training_windows": training.count, "labelled_training_windows": teacherTargets.labelledCount,
            "epoch_losses": distilled.epochLosses.map(Double.init), "accuracy": accuracy, "quantization": quantizationKind,
            "equalization": configuration.equalization.map(Double.init) ?? 0,
            "quantization_aware_epoch_losses": quantization.quantizationAwareLosses.map(Double.init),
            "pruning": try JSONSerialization.jsonObject(with: JSONEncoder().encode(pruningRounds)),
        ]
        let meta: [String: Any] = [
            "kind": "distill", "teacher_run": teacherRun.folder.path, "data_directory": dataset.directory.path,
            "device": configuration.device.path, "seed": configuration.seed,
            "durations": ["distill": (Date().timeIntervalSince(started) * 10).rounded() / 10],
        ]
        try DistillRunFolder.write(to: destination, files: [
            ("config.yaml", Data(("# Resolved distillation configuration of run '\(configuration.name)'.\n" + configuration.resolvedYAML).utf8)),
            ("meta.json", try DistillRunFolder.json(meta)),
            (DistilledStudentRecord.weightsFileName, Checkpoint(model: student, step: configuration.epochs).file.serialized()),
            (DistilledStudentRecord.fileName, try DistillRunFolder.encoded(record)),
            ("budget.json", try DistillRunFolder.encoded(ModelCard(graph: quantized, normalization: inputNormalization,
                                                                   windowSeconds: windows.windowSeconds, format: .tflite,
                                                                   report: BudgetReport(graph: quantized, profile: profile)).budget)),
            ("results.json", try DistillRunFolder.json(results)),
        ]) { folder in
            let samples = StudentEvaluation.evenlySpaced(testWindows, limit: verificationSamples).map {
                inputNormalization.quantize(StudentEvaluation.rawSample(windows: windows, window: $0, modalities: modalities), for: quantized)
            }
            try EdgeExport.writeVerificationBundle(model: quantized, inputs: samples, to: folder.appendingPathComponent("verification"))
            try CPathTestWindows.write(
                raw: testWindows.map { StudentEvaluation.rawSample(windows: windows, window: $0, modalities: modalities) },
                windows: CPathTestWindows(metric: scoring.metricName,
                                          truth: task.kind == .classification ? test.classes.map(Double.init) : test.values.map(Double.init),
                                          swiftInt8: integerScore),
                to: folder.appendingPathComponent("verification"))
        }
        logger.info("results: \(destination.appendingPathComponent("results.json").path)")
        return destination
    }

    /// The pruning plan of a config with a `pruning` section, checked against the device before training: its
    /// final student must fit (the error names the layer).
    static func plannedPruning(_ configuration: DistillationRunConfiguration, student: StudentConfiguration, profile: DeviceProfile,
                               location: ConfigLocation) throws -> PruningPlan? {
        guard let pruning = configuration.pruning else { return nil }
        do {
            return try PruningPlan(configuration: student, target: pruning.target, rounds: pruning.rounds, profile: profile)
        } catch {
            throw ConfigError(.inconsistent, path: "pruning.target", location: location, "the pruned student: \(error)")
        }
    }

    /// The student's shape with each modality's channels and length from the dataset; refuses a modality the
    /// dataset or the teacher lacks, and a depth the shortest stream cannot take.
    static func studentShape(_ configuration: DistillationRunConfiguration, windows: WindowSet, teacherModalities: [String],
                             classCount: Int, output: StudentOutput = .classes, location: ConfigLocation) throws -> StudentConfiguration {
        var modalities: [StudentModality] = []
        for (index, name) in configuration.modalities.enumerated() {
            guard let layout = windows.layout(name) else {
                throw ConfigError(.inconsistent, path: "modalities.\(index)", location: location,
                                  "the dataset has no modality '\(name)' (it has \(windows.modalities.map(\.name).joined(separator: ", ")))")
            }
            guard teacherModalities.contains(name) else {
                throw ConfigError(.inconsistent, path: "modalities.\(index)", location: location,
                                  "modality mismatch: the student reads '\(name)', the teacher's encoder reads only \(teacherModalities.joined(separator: ", "))")
            }
            var length = layout.samplesPerWindow
            for layer in 0...configuration.depth {
                guard length >= configuration.kernelSize else {
                    throw ConfigError(.inconsistent, path: "student.depth", location: location,
                                      "\(name) is \(length) samples long at layer \(layer), shorter than kernel \(configuration.kernelSize)")
                }
                length = (length - configuration.kernelSize) / configuration.stride + 1
            }
            modalities.append(StudentModality(name: name, channels: layout.channelCount, length: layout.samplesPerWindow))
        }
        return StudentConfiguration(modalities: modalities, width: configuration.width, depth: configuration.depth,
                                    kernelSize: configuration.kernelSize, stride: configuration.stride,
                                    hiddenDimensions: configuration.hiddenDimensions, classCount: classCount, output: output)
    }
}
