import Foundation
import SensorEdge

/// A `sensorfm distill` config: which device the student must fit, its shape, the teacher's classification task
/// it learns, how it is distilled and how it is quantized.
public struct DistillationRunConfiguration: Sendable, Equatable {
    /// How the float student becomes int8.
    public enum Quantization: Sendable, Equatable {
        /// Post-training quantization, calibrated on up to `calibrationWindows` training windows.
        case postTraining(calibrationWindows: Int)
        /// Quantization-aware fine-tuning after float distillation (see `QuantizationAwareTraining`); the int8
        /// model is exported with exactly the ranges and weights it learned. `calibrationWindows` calibrates the
        /// post-training baseline the run reports next to it.
        case quantizationAware(QuantizationAwareTraining, calibrationWindows: Int)

        /// Training windows that calibrate the post-training quantization (the deployed one, or QAT's baseline).
        public var calibrationWindows: Int {
            switch self {
            case .postTraining(let windows), .quantizationAware(_, let windows): windows
            }
        }
    }

    /// The fake-quantized fine-tuning stage of `quantization: {kind: qat}`.
    public struct QuantizationAwareTraining: Sendable, Equatable {
        public var epochs: Int
        public var learningRate: Float
        /// Weight of each batch's min/max in the exponential moving average of an activation's range.
        public var rangeMomentum: Float
        /// `range_init: calibration` starts every range at the post-training calibration (QAT begins from the
        /// post-training int8 graph); `batch` (the default) at the first training batch's min/max.
        public var rangesFromCalibration: Bool = false
    }

    /// `pruning: {importance, rounds, fine_tune_epochs, target}`: structured channel pruning after distillation.
    public struct Pruning: Sendable, Equatable {
        public var importance: ChannelImportance
        public var rounds: Int
        /// Distillation epochs after each round.
        public var fineTuneEpochs: Int
        public var target: PruningPlan.Target
    }

    public var name: String
    public var seed: UInt64
    public var threads: Int
    /// The device profile YAML (absolute; a relative path resolves against the config's folder).
    public var device: URL
    public var task: String
    /// The student's input streams, in input order; each must be a modality of the dataset and of the teacher.
    public var modalities: [String]
    public var width: Int
    public var depth: Int
    public var kernelSize: Int
    public var stride: Int
    public var hiddenDimensions: Int
    /// Feature distillation: weight of the projected-embedding term (0: off) and how it compares.
    public var featureWeight: Float
    public var featureLoss: DistillationConfiguration.FeatureLoss
    /// Fraction of the labelled training windows whose ground truth the student sees (the rest learn from the
    /// teacher only, like unlabelled windows).
    public var labelFraction: Float
    public var temperature: Float
    public var logitWeight: Float
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var weightDecay: Float
    public var quantization: Quantization
    /// `quantization.equalize`: the strength in (0, 1] of cross-layer channel equalization applied to the float
    /// student before it is quantized (see `ChannelEqualization`); nil (the default, or 0): off.
    public var equalization: Float?
    /// Structured pruning between distillation and quantization (nil: none; the student as configured must fit).
    public var pruning: Pruning?
    /// The config as read (after `--set`), written to the run folder as its config.yaml.
    public var resolvedYAML: String
}

extension DistillationRunConfiguration {
    static let topKeys = ["name", "seed", "threads", "device", "task", "modalities", "student", "distillation", "quantization", "pruning"]
    static let studentKeys = ["width", "depth", "kernel", "stride", "hidden"]
    static let distillationKeys = ["temperature", "logit_weight", "feature_weight", "feature_loss", "label_fraction", "epochs",
                                   "batch_size", "lr", "weight_decay"]
    static let quantizationKeys = ["kind", "calibration_windows", "equalize", "epochs", "lr", "range_momentum", "range_init"]
    static let pruningKeys = ["importance", "rounds", "fine_tune_epochs", "target"]
    static let quantizationAwareKeys = ["epochs", "lr", "range_momentum", "range_init"]
    static let taskNames = ["activity", "stress", "heart_rate"]

    /// Reads a config file (a pipeline file's `distill` section, see `PipelineFile`) and applies `--set` overrides in order.
    public static func load(file: URL, overrides: [String] = []) throws -> DistillationRunConfiguration {
        try PipelineFile.readStage("distill", of: file, overrides: overrides) { node, defaultName in
            try read(node, baseDirectory: file.deletingLastPathComponent(), defaultName: defaultName)
        }
    }

    /// Reads a parsed tree; a relative `device` path resolves against `baseDirectory`.
    public static func read(_ node: ConfigNode, baseDirectory: URL, defaultName: String = "distill") throws -> DistillationRunConfiguration {
        let top = try ConfigReader(node, path: "", allowed: topKeys)
        let name = try top.string("name", default: defaultName)
        guard !name.isEmpty, !name.contains("/") else {
            throw ConfigError(.outOfRange, path: "name", location: top.locationOf("name"), "a run name must be non-empty and contain no '/'")
        }
        let device = URL(fileURLWithPath: try top.string("device"), relativeTo: baseDirectory).standardizedFileURL
        let modalities = try names(top, "modalities")
        let student = try top.child("student", allowed: studentKeys)
        let distillation = try top.child("distillation", allowed: distillationKeys)
        let quantization = try top.child("quantization", allowed: quantizationKeys)
        let kind = try quantization?.choice("kind", ["ptq", "qat"], default: "ptq") ?? "ptq"
        let calibrationWindows = try quantization?.int("calibration_windows", default: 64, in: 1...1_000_000) ?? 64
        let quantizationKind: Quantization
        if kind == "qat" {
            quantizationKind = .quantizationAware(QuantizationAwareTraining(
                epochs: try quantization?.int("epochs", default: 3, in: 1...100_000) ?? 3,
                learningRate: try quantization?.float("lr", default: 5e-4, in: 0...10, open: true) ?? 5e-4,
                rangeMomentum: try quantization?.float("range_momentum", default: 0.01, in: 0...1, open: true) ?? 0.01,
                rangesFromCalibration: try quantization?.choice("range_init", ["batch", "calibration"], default: "batch") == "calibration"),
                calibrationWindows: calibrationWindows)
        } else {
            if let quantization, let key = quantizationAwareKeys.first(where: { quantization.has($0) }) {
                throw ConfigError(.inconsistent, path: quantization.childPath(key), location: quantization.locationOf(key),
                                  "\(key) applies to quantization-aware training only (kind: qat)")
            }
            quantizationKind = .postTraining(calibrationWindows: calibrationWindows)
        }
        return DistillationRunConfiguration(
            name: name, seed: try top.seed("seed", default: 0), threads: try top.int("threads", default: 2, in: 1...256),
            device: device, task: try top.choice("task", taskNames, default: "activity"), modalities: modalities,
            width: try student?.int("width", default: 14, in: 1...4096) ?? 14,
            depth: try student?.int("depth", default: 2, in: 0...64) ?? 2,
            kernelSize: try student?.int("kernel", default: 5, in: 1...1024) ?? 5,
            stride: try student?.int("stride", default: 2, in: 1...64) ?? 2,
            hiddenDimensions: try student?.int("hidden", default: 32, in: 1...65536) ?? 32,
            featureWeight: try distillation?.float("feature_weight", default: 0, in: 0...1000) ?? 0,
            featureLoss: DistillationConfiguration.FeatureLoss(
                rawValue: try distillation?.choice("feature_loss", ["cosine", "mse"], default: "cosine") ?? "cosine")!,
            labelFraction: try distillation?.float("label_fraction", default: 1, in: 0...1) ?? 1,
            temperature: try distillation?.float("temperature", default: 4, in: 0...1000, open: true) ?? 4,
            logitWeight: try distillation?.float("logit_weight", default: 0.7, in: 0...1) ?? 0.7,
            epochs: try distillation?.int("epochs", default: 10, in: 1...100_000) ?? 10,
            batchSize: try distillation?.int("batch_size", default: 32, in: 1...65536) ?? 32,
            learningRate: try distillation?.float("lr", default: 3e-3, in: 0...10, open: true) ?? 3e-3,
            weightDecay: try distillation?.float("weight_decay", default: 1e-4, in: 0...1) ?? 1e-4,
            quantization: quantizationKind,
            equalization: try quantization.flatMap { try $0.float("equalize", default: 0, in: 0...1) }.flatMap { $0 > 0 ? $0 : nil },
            pruning: try pruning(top.child("pruning", allowed: pruningKeys)),
            resolvedYAML: try node.overriding("device=\(device.path)").yamlText())
    }

    /// The `pruning` section: `target` is `profile` (the largest student that fits the device) or the fraction of
    /// every layer's channels to keep, in (0, 1].
    private static func pruning(_ reader: ConfigReader?) throws -> Pruning? {
        guard let reader else { return nil }
        let target: PruningPlan.Target
        if try reader.string("target", default: "profile") == "profile" {
            target = .profile
        } else {
            let fraction = try reader.double("target", in: 0...1)
            guard fraction > 0 else {
                throw ConfigError(.outOfRange, path: reader.childPath("target"), location: reader.locationOf("target"),
                                  "keeping 0 of every layer's channels leaves no student; give a fraction in (0, 1] or 'profile'")
            }
            target = .fraction(fraction)
        }
        return Pruning(importance: ChannelImportance(rawValue: try reader.choice("importance", ["l1", "gradient"], default: "l1"))!,
                       rounds: try reader.int("rounds", default: 3, in: 1...1000),
                       fineTuneEpochs: try reader.int("fine_tune_epochs", default: 2, in: 1...100_000), target: target)
    }

    /// A non-empty list of distinct names (default: the three wrist streams).
    private static func names(_ reader: ConfigReader, _ key: String) throws -> [String] {
        guard let node = reader.node(key) else { return ["ppg", "acc", "temp"] }
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            throw ConfigError(.wrongType, path: key, location: node.location, "expected a non-empty list of modality names")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard case .scalar(let text, let location) = item, !text.isEmpty else {
                throw ConfigError(.wrongType, path: "\(key).\(index)", location: item.location, "expected a modality name")
            }
            guard !names.contains(text) else {
                throw ConfigError(.inconsistent, path: "\(key).\(index)", location: location, "'\(text)' appears twice")
            }
            names.append(text)
        }
        return names
    }
}
