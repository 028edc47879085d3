import ArgumentParser
import Foundation
import SensorRun

/// `sensorfm distill CONFIG --teacher RUN_DIR`.
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distil a fine-tuned teacher into an int8 student that fits a device profile.",
        discussion: """
            Refuses, before training, a student over the device's budget (naming the layer) or reading a modality the \
            teacher does not. The task is the teacher's: a classification (KL to the teacher's logits + cross-entropy) \
            or heart_rate (MSE to the teacher's values + to the ground truth); feature_weight adds feature distillation. \
            quantization kind ptq calibrates; kind qat fine-tunes with fake quantization after distillation and \
            deploys exactly what it learned (the post-training graph is reported as its baseline). Writes a run folder \
            (config.yaml, meta.json, student.safetensors, student.json, budget.json, results.json with teacher, \
            float-student and int8-student test accuracy, or MAE for heart rate) all at once. \
            Exit codes: \(PretrainRun.ExitCode.badConfiguration) bad config, teacher or data, \(PretrainRun.ExitCode.nonFinite) NaN/Inf loss.
            """
    )

    @Argument(help: "The distillation config (YAML), e.g. Experiments/smoke-distill.yaml, or a pipeline file (its distill section).")
    var config: String

    @Option(help: ArgumentHelp("The fine-tuning run folder whose model teaches.", valueName: "run-dir"))
    var teacher: String

    @OptionGroup var options: RunOptions

    func run() throws {
        _ = try runReportingRunErrors("distill") {
            try DistillRun.start(configFile: URL(fileURLWithPath: config), overrides: options.overrides,
                                 teacher: URL(fileURLWithPath: teacher),
                                 runDirectory: options.runDirectory.map { URL(fileURLWithPath: $0) },
                                 interactive: isatty(STDERR_FILENO) == 1)
        }
    }
}
