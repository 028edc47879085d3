import Foundation
import SensorData
import SensorEdge
import Testing
@testable import SensorRun

@Suite struct DistillationConfigTests {
    static let yaml = """
        name: tiny-distill
        device: devices/wrist.yaml
        task: activity
        modalities: [ppg, acc]
        student: {width: 6, depth: 1, kernel: 3, stride: 2, hidden: 8}
        distillation:
          temperature: 2
          epochs: 3
          lr: 1e-3
        quantization: {kind: ptq, calibration_windows: 16}
        """

    func load(_ text: String = yaml, _ overrides: [String] = []) throws -> DistillationRunConfiguration {
        try DistillationRunConfiguration.load(file: RunTestSupport.writeConfig(text, name: "distill.yaml"), overrides: overrides)
    }

    @Test func readsValuesFillsDefaultsAndResolvesTheDevice() throws {
        let file = RunTestSupport.writeConfig(Self.yaml, name: "distill.yaml")
        let configuration = try DistillationRunConfiguration.load(file: file)
        #expect(configuration.name == "tiny-distill")
        #expect(configuration.device.path == file.deletingLastPathComponent().appendingPathComponent("devices/wrist.yaml").standardizedFileURL.path)
        #expect(configuration.modalities == ["ppg", "acc"])
        #expect([configuration.width, configuration.depth, configuration.kernelSize, configuration.stride, configuration.hiddenDimensions] as [Int] == [6, 1, 3, 2, 8])
        #expect(configuration.temperature == 2 && configuration.epochs == 3 && configuration.learningRate == 1e-3)
        #expect(configuration.logitWeight == 0.7 && configuration.batchSize == 32 && configuration.seed == 0)
        #expect(configuration.quantization == .postTraining(calibrationWindows: 16))
    }

    @Test func readsQuantizationAwareTrainingFeatureDistillationAndHeartRate() throws {
        let qat = try load(Self.yaml, ["quantization={kind: qat, calibration_windows: 8, epochs: 2, lr: 1e-4, range_momentum: 0.05}"])
        #expect(qat.quantization == .quantizationAware(.init(epochs: 2, learningRate: 1e-4, rangeMomentum: 0.05), calibrationWindows: 8))
        #expect(qat.quantization.calibrationWindows == 8)
        let warm = try load(Self.yaml, ["quantization={kind: qat, range_init: calibration}"])
        #expect(warm.quantization == .quantizationAware(.init(epochs: 3, learningRate: 5e-4, rangeMomentum: 0.01, rangesFromCalibration: true),
                                                        calibrationWindows: 64))
        #expect(throws: ConfigError.self) { try load(Self.yaml, ["quantization={kind: qat, range_init: zero}"]) }
        let defaults = try load(Self.yaml, ["quantization={kind: qat}"])
        #expect(defaults.quantization == .quantizationAware(.init(epochs: 3, learningRate: 5e-4, rangeMomentum: 0.01), calibrationWindows: 64))
        let features = try load(Self.yaml, ["distillation.feature_weight=0.5", "distillation.feature_loss=mse", "task=heart_rate"])
        #expect(features.featureWeight == 0.5 && features.featureLoss == .meanSquaredError && features.task == "heart_rate")
        #expect(try load(Self.yaml, ["distillation.label_fraction=0.25"]).labelFraction == 0.25)
        #expect(try load().featureWeight == 0 && (try load()).featureLoss == .cosine)
    }

    @Test func readsChannelEqualizationForEitherKind() throws {
        #expect(try load().equalization == nil)
        #expect(try load(Self.yaml, ["quantization.equalize=0.5"]).equalization == 0.5)
        #expect(try load(Self.yaml, ["quantization={kind: qat, equalize: 1}"]).equalization == 1)
        #expect(try load(Self.yaml, ["quantization.equalize=0"]).equalization == nil)
        let error = try #require(throws: ConfigError.self) { try load(Self.yaml, ["quantization.equalize=1.5"]) }
        #expect(error.path == "quantization.equalize" && error.kind == .outOfRange)
    }

    @Test func quantizationAwareKeysNeedKindQAT() throws {
        let error = try #require(throws: ConfigError.self) { try load(Self.yaml, ["quantization.epochs=2"]) }
        #expect(error.path == "quantization.epochs" && error.kind == .inconsistent && error.message.contains("kind: qat"))
        let loss = try #require(throws: ConfigError.self) { try load(Self.yaml, ["distillation.feature_loss=l1"]) }
        #expect(loss.path == "distillation.feature_loss" && loss.kind == .outOfRange)
    }

    @Test func readsPruningAndRefusesItsUnknownKeys() throws {
        #expect(try load().pruning == nil)
        let defaults = try load(Self.yaml, ["pruning={importance: gradient}"])
        #expect(defaults.pruning == .init(importance: .gradient, rounds: 3, fineTuneEpochs: 2, target: .profile))
        let fraction = try load(Self.yaml, ["pruning={importance: l1, rounds: 2, fine_tune_epochs: 4, target: 0.5}"])
        #expect(fraction.pruning == .init(importance: .l1, rounds: 2, fineTuneEpochs: 4, target: .fraction(0.5)))
        let unknown = try #require(throws: ConfigError.self) { try load(Self.yaml, ["pruning={importance: l1, round: 2}"]) }
        #expect(unknown.kind == .unknownKey && unknown.path == "pruning.round")
        let importance = try #require(throws: ConfigError.self) { try load(Self.yaml, ["pruning={importance: random}"]) }
        #expect(importance.path == "pruning.importance" && importance.kind == .outOfRange)
        for bad in ["0", "1.5", "all"] {
            let target = try #require(throws: ConfigError.self) { try load(Self.yaml, ["pruning={target: \(bad)}"]) }
            #expect(target.path == "pruning.target", "target \(bad): \(target)")
        }
    }

    @Test func resolvedYAMLReadsBackEqualFromAnotherFolder() throws {
        let configuration = try load(Self.yaml, ["student.width=4"])
        let elsewhere = RunTestSupport.temporaryDirectory("distill-reread").appendingPathComponent("config.yaml")
        try Data(configuration.resolvedYAML.utf8).write(to: elsewhere)
        let reread = try DistillationRunConfiguration.load(file: elsewhere)
        #expect(reread.device == configuration.device)
        #expect(reread.width == 4)
        #expect(reread.modalities == configuration.modalities && reread.temperature == configuration.temperature)
    }

    @Test func unknownKeyNamesPathLineAndNearestKey() throws {
        let error = try #require(throws: ConfigError.self) { try load(Self.yaml.replacingOccurrences(of: "  epochs: 3", with: "  epoch: 3")) }
        #expect(error.kind == .unknownKey)
        #expect(error.path == "distillation.epoch")
        #expect(error.location?.line == 8)
        #expect(error.suggestion == "distillation.epochs")
    }

    @Test func overridesAreCheckedLikeFileValues() throws {
        let kind = try #require(throws: ConfigError.self) { try load(Self.yaml, ["quantization.kind=ptqq"]) }
        #expect(kind.path == "quantization.kind" && kind.suggestion == "ptq")
        let weight = try #require(throws: ConfigError.self) { try load(Self.yaml, ["distillation.logit_weight=1.5"]) }
        #expect(weight.path == "distillation.logit_weight" && weight.kind == .outOfRange)
        let twice = try #require(throws: ConfigError.self) { try load(Self.yaml, ["modalities=[ppg, ppg]"]) }
        #expect(twice.path == "modalities.1" && twice.kind == .inconsistent)
        let device = try #require(throws: ConfigError.self) { try load(Self.yaml.replacingOccurrences(of: "device: devices/wrist.yaml\n", with: "")) }
        #expect(device.path == "device")
    }
}

@Suite struct DistillationRefusalTests {
    static let windows = WindowSet(windowSeconds: 30, strideSeconds: 30, modalities: [
        ModalityLayout(name: "ppg", samplingRate: 64, channelNames: ["bvp"], unit: "au", samplesPerWindow: 1920),
        ModalityLayout(name: "acc", samplingRate: 32, channelNames: ["x", "y", "z"], unit: "g", samplesPerWindow: 960),
    ], labelSchema: [])

    func configuration(_ overrides: [String] = []) throws -> DistillationRunConfiguration {
        try DistillationRunConfiguration.load(file: RunTestSupport.writeConfig(DistillationConfigTests.yaml, name: "distill.yaml"), overrides: overrides)
    }

    func shape(_ configuration: DistillationRunConfiguration, teacher: [String] = ["ppg", "acc", "temp"]) throws -> StudentConfiguration {
        try DistillRun.studentShape(configuration, windows: Self.windows, teacherModalities: teacher, classCount: 4,
                                    location: ConfigLocation(file: "distill.yaml", line: nil))
    }

    @Test func studentTakesChannelsAndLengthsFromTheDataset() throws {
        let shape = try shape(try configuration())
        #expect(shape.modalities == [StudentModality(name: "ppg", channels: 1, length: 1920), StudentModality(name: "acc", channels: 3, length: 960)])
        #expect(shape.classCount == 4)
    }

    @Test func aRegressionTeacherGivesAOneValueStudent() throws {
        let shape = try DistillRun.studentShape(try configuration(["task=heart_rate"]), windows: Self.windows, teacherModalities: ["ppg", "acc"],
                                                classCount: 1, output: .values, location: ConfigLocation(file: "distill.yaml", line: nil))
        #expect(shape.output == .values && shape.classCount == 1)
    }

    @Test func refusesAModalityTheTeacherDoesNotRead() throws {
        let error = try #require(throws: ConfigError.self) { try shape(try configuration(), teacher: ["ppg"]) }
        #expect(error.path == "modalities.1")
        #expect(error.message.contains("modality mismatch") && error.message.contains("'acc'"))
    }

    @Test func refusesAModalityTheDatasetLacks() throws {
        let error = try #require(throws: ConfigError.self) { try shape(try configuration(["modalities=[ppg, temp]"])) }
        #expect(error.path == "modalities.1" && error.message.contains("no modality 'temp'"))
    }

    @Test func refusesADepthTheStreamCannotTake() throws {
        // acc: 960 samples, kernel 3, stride 2: 479, 239, 119, 59, 29, 14, 6, 2 after 8 layers, shorter than the kernel
        // (ppg, twice as long, still has 6 there).
        #expect(try shape(try configuration(["student.depth=7"])).depth == 7)
        let error = try #require(throws: ConfigError.self) { try shape(try configuration(["student.depth=8"])) }
        #expect(error.path == "student.depth" && error.message.contains("acc is 2 samples long at layer 8"))
    }

    /// A pruning target the device cannot take is refused before training, naming the layer over the budget.
    @Test func refusesAPruningTargetOverTheDevice() throws {
        let devices = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Experiments/devices/wrist-default.yaml")
        let profile = try DeviceProfile.load(devices)
        let wide = try configuration(["student.width=40", "student.depth=2", "student.kernel=5", "pruning={target: 0.9}"])
        let error = try #require(throws: ConfigError.self) {
            try DistillRun.plannedPruning(wide, student: try shape(wide), profile: profile, location: ConfigLocation(file: "distill.yaml", line: nil))
        }
        #expect(error.path == "pruning.target" && error.message.contains("does not fit device wrist-default")
                && error.message.contains("layer ppg_unit0"), "\(error)")
        let toProfile = try configuration(["student.width=40", "pruning={target: profile}"])
        let plan = try #require(try DistillRun.plannedPruning(toProfile, student: try shape(toProfile), profile: profile,
                                                             location: ConfigLocation(file: "distill.yaml", line: nil)))
        #expect(plan.fraction < 0.5 && plan.roundWidths.count == 3)
    }

    @Test func refusesAMissingDeviceProfileBeforeAnythingIsWritten() throws {
        let folder = RunTestSupport.temporaryDirectory("distill-refusal")
        let file = RunTestSupport.writeConfig(DistillationConfigTests.yaml.replacingOccurrences(of: "devices/wrist.yaml", with: "/nonexistent/wrist.yaml"),
                                              name: "distill.yaml")
        let destination = folder.appendingPathComponent("run")
        let error = try #require(throws: ConfigError.self) {
            try DistillRun.start(configFile: file, overrides: [], teacher: folder, runDirectory: destination, interactive: false)
        }
        #expect(error.path == "device" && error.message.contains("/nonexistent/wrist.yaml"))
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }
}

