import SensorEdge
import SensorTensor

/// The int8 stage of a distill run: post-training quantization of the distilled float student and, with
/// `kind: qat`, quantization-aware fine-tuning after it (the post-training graph is kept as its baseline).
/// The deployed graph is exactly what the run measures and what `sensorfm export` rebuilds from the saved
/// weights and `ranges`.
struct StudentQuantization {
    /// The deployed int8 graph.
    var graph: EdgeGraph
    /// Its range of every non-constant float-graph tensor, by tensor index (calibrated or QAT-observed).
    var ranges: [Int: PostTrainingQuantization.Range]
    /// The post-training graph of the float student (the deployed one under `kind: ptq`).
    var postTraining: EdgeGraph
    /// Mean loss of each quantization-aware epoch (empty under `kind: ptq`).
    var quantizationAwareLosses: [Float]

    /// Quantizes `student` (QAT updates its weights in place). `calibration` are normalised float-graph inputs;
    /// `inputs`/`targets` the training windows for QAT, with `settings` for its loss terms.
    static func run(student: StudentModel, quantization: DistillationRunConfiguration.Quantization, calibration: [[[Float]]],
                    inputs: [Tensor], targets: DistillationTargets, settings: DistillationConfiguration) throws -> StudentQuantization {
        let floatGraph = StudentLowering.floatGraph(student)
        let calibrated = PostTrainingQuantization.calibrate(floatGraph, samples: calibration)
        let postTraining = PostTrainingQuantization.quantize(floatGraph, ranges: calibrated)
        guard case .quantizationAware(let stage, _) = quantization else {
            return StudentQuantization(graph: postTraining, ranges: calibrated, postTraining: postTraining, quantizationAwareLosses: [])
        }
        var fineTuning = settings
        fineTuning.epochs = stage.epochs
        fineTuning.learningRate = stage.learningRate
        fineTuning.featureWeight = 0
        fineTuning.seed = settings.seed &+ 1
        let quantizationAware = QuantizationAwareStudent(student: student, momentum: stage.rangeMomentum,
                                                         calibration: stage.rangesFromCalibration ? calibrated : nil)
        let losses = try Distiller.fineTuneQuantizationAware(quantizationAware, inputs: inputs, targets: targets, configuration: fineTuning)
        guard losses.allSatisfy({ $0.isFinite }) else {
            throw RunError.nonFiniteLoss(step: losses.count, what: "the quantization-aware loss", lastCheckpointStep: nil)
        }
        let learnedGraph = StudentLowering.floatGraph(student)
        let ranges = quantizationAware.observedRanges(of: learnedGraph)
        return StudentQuantization(graph: PostTrainingQuantization.quantize(learnedGraph, ranges: ranges), ranges: ranges,
                                   postTraining: postTraining, quantizationAwareLosses: losses)
    }
}
