import Foundation
import Logging
import SensorData
import SensorEdge
import SensorEval
import SensorNN
import SensorTensor

/// `sensorfm distill CONFIG --teacher RUN_DIR`: a wearable-sized student learns one classification task from a
/// fine-tuning run's model (teacher logits computed once on every window of the training subjects, labelled or
/// not), is post-training quantized to int8, and is scored on the test subjects as teacher, float student and int8
/// student (the int8 one through the Swift integer runtime on inputs normalised and quantized as on the device).
///
/// Everything that can be refused is checked before training: the device profile, the task, the modalities of the
/// dataset and of the teacher, and the student's budget on the device (the error names the layer). The run folder
/// (config.yaml, meta.json, student.safetensors, student.json, budget.json, results.json, verification/) is written to a
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
        let studentConfiguration = try studentShape(configuration, windows: windows, teacherModalities: teacherRun.modalities,
                                                    classCount: teacherRun.model.task.classCount, location: location)
        var generator = RandomGenerator(seed: configuration.seed)
        let student = StudentModel(configuration: studentConfiguration, generator: &generator)
        let budget = BudgetReport(graph: StudentLowering.floatGraph(student), profile: profile)
        do { try budget.requireFit() } catch {
            throw ConfigError(.inconsistent, path: "student", location: location, "\(error)")
        }
        logger.info("student fits \(profile.name): \(budget.parameters) parameters, \(budget.deployedWeightBytes) weight bytes, arena \(budget.arenaBytes) B")

        let training = windows.windowIndices(ofSubjects: Set(teacherRun.fold.train))
        let labelled = teacherRun.targets.restricted(toSubjects: Set(teacherRun.fold.train))
        let test = teacherRun.targets.restricted(toSubjects: Set(teacherRun.fold.test))
        var labels = [Int](repeating: -1, count: windows.windowCount)
        for (window, label) in zip(labelled.windowIndices, labelled.classes) { labels[window] = label }
        let teacherPredictions = teacherRun.model.predict(windows: windows, indices: training)
        let classCount = teacherRun.model.task.classCount
        let targets = DistillationTargets(
            logits: Tensor(shape: [training.count, classCount], scalars: teacherPredictions.probabilities.map { Foundation.log(max($0, 1e-30)) }),
            embeddings: nil, labels: training.map { labels[$0] })
        logger.info("teacher \(configuration.task) logits on \(training.count) training windows (\(labelled.count) labelled) of \(teacherRun.fold.train.count) subjects")

        let modalities = studentConfiguration.modalities
        let normalization = try StudentInputNormalization.fit(windows: windows, indices: training, modalities: modalities)
        let settings = DistillationConfiguration(temperature: configuration.temperature, logitWeight: configuration.logitWeight,
                                                 epochs: configuration.epochs, batchSize: configuration.batchSize,
                                                 learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                                                 seed: configuration.seed)
        let distilled = try Distiller.train(student: student, inputs: try normalization.inputs(windows: windows, indices: training, modalities: modalities),
                                            targets: targets, configuration: settings)
        guard distilled.epochLosses.allSatisfy({ $0.isFinite }) else {
            throw RunError.nonFiniteLoss(step: distilled.epochLosses.count, what: "the distillation loss", lastCheckpointStep: nil)
        }
        logger.info("distilled \(configuration.epochs) epochs, last loss \(distilled.epochLosses.last!)")

        let floatGraph = StudentLowering.floatGraph(student)
        let inputNormalization = InputNormalization(means: normalization.modalities.map(\.means),
                                                    deviations: normalization.modalities.map(\.deviations))
        let calibrationCount: Int
        switch configuration.quantization { case .postTraining(let windows): calibrationCount = windows }
        let calibration = StudentEvaluation.evenlySpaced(training, limit: calibrationCount).map {
            StudentEvaluation.normalizedSample(windows: windows, window: $0, modalities: modalities, normalization: inputNormalization)
        }
        let ranges = PostTrainingQuantization.calibrate(floatGraph, samples: calibration)
        let quantized = PostTrainingQuantization.quantize(floatGraph, ranges: ranges)

        let testWindows = test.windowIndices
        let teacherAccuracy = StudentEvaluation.accuracy(teacherRun.model.predict(windows: windows, targets: test).classes, test.classes)
        let floatAccuracy = StudentEvaluation.accuracy(
            try StudentEvaluation.floatClasses(student, normalization: normalization, windows: windows, indices: testWindows), test.classes)
        let integerAccuracy = StudentEvaluation.accuracy(
            StudentEvaluation.integerClasses(quantized, normalization: inputNormalization, windows: windows, indices: testWindows,
                                             modalities: modalities), test.classes)
        let accuracy: [String: Double] = [
            "teacher_accuracy": teacherAccuracy, "float_student_accuracy": floatAccuracy, "int8_student_accuracy": integerAccuracy,
            "int8_accuracy_ratio": teacherAccuracy > 0 ? integerAccuracy / teacherAccuracy : 0,
        ]
        logger.info("test accuracy on \(test.count) windows of \(teacherRun.fold.test.count) subjects: teacher \(teacherAccuracy), float student \(floatAccuracy), int8 student \(integerAccuracy)")

        var named: [String: DistilledStudentRecord.Range] = [:]
        for (index, range) in ranges { named[floatGraph.tensors[index].name] = .init(minimum: range.minimum, maximum: range.maximum) }
        let record = DistilledStudentRecord(
            modalities: modalities.map { .init(name: $0.name, channels: $0.channels, length: $0.length) },
            width: configuration.width, depth: configuration.depth, kernelSize: configuration.kernelSize, stride: configuration.stride,
            hiddenDimensions: configuration.hiddenDimensions, classCount: classCount, classNames: teacherRun.model.task.classNames,
            task: configuration.task, windowSeconds: windows.windowSeconds, device: configuration.device.path,
            normalization: normalization, ranges: named, accuracyVersusTeacher: accuracy)
        let results: [String: Any] = [
            "task": configuration.task, "test_windows": test.count, "test_subjects": teacherRun.fold.test,
            "training_windows": training.count, "labelled_training_windows": labelled.count,
            "epoch_losses": distilled.epochLosses.map(Double.init), "accuracy": accuracy,
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
        }
        logger.info("results: \(destination.appendingPathComponent("results.json").path)")
        return destination
    }

    /// The student's shape with each modality's channels and length from the dataset; refuses a modality the
    /// dataset or the teacher lacks, and a depth the shortest stream cannot take.
    static func studentShape(_ configuration: DistillationRunConfiguration, windows: WindowSet, teacherModalities: [String],
                             classCount: Int, location: ConfigLocation) throws -> StudentConfiguration {
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
                                    hiddenDimensions: configuration.hiddenDimensions, classCount: classCount)
    }
}
