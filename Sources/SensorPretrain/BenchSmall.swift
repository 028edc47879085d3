import Foundation
import SensorNN
import SensorTensor

/// The reference workload of shared/bench/SPEC.md ("bench-small"): the patch encoder trained with
/// masked reconstruction (A) and contrastive NT-Xent (B), batch 64, AdamW, timed per step.
public enum BenchSmall {
    public static let batch = 64

    /// Options of one benchmark run.
    public struct Options: Sendable {
        public var threads = 2
        public var steps = 20
        public var warmupSteps = 3
        public var objectives = ["A", "B"]
        public init() {}
    }

    /// Timing and losses of one objective.
    public struct ObjectiveResult: Sendable {
        public var stepSeconds: [Double]
        public var flopsPerStep: Int
        public var lossFirst: Float
        public var lossLast: Float
        public var stepsPerSecond: Double { Double(stepSeconds.count) / stepSeconds.reduce(0, +) }
        public var windowsPerSecond: Double { stepsPerSecond * Double(BenchSmall.batch) }
        public var medianStepMilliseconds: Double { 1000 * stepSeconds.sorted()[stepSeconds.count / 2] }
        public var gigaflopsPerSecond: Double { Double(flopsPerStep) * stepsPerSecond / 1e9 }
    }

    /// Matrix-product FLOPs per training step (2·M·K·N per product, forward × 3 for forward and
    /// backward), as the SPEC counts them: A 22.01 GFLOP, B 43.80 GFLOP at batch 64.
    public static func flopsPerStep(objective: String, configuration: PatchEncoderConfiguration = .benchSmall,
                                    batch: Int = batch, projectionDimensions: Int = 64) -> Int {
        let layout = configuration.layout, d = configuration.dimensions, t = layout.tokenCount
        let tokenizers = 2 * d * layout.modalities.reduce(0) { $0 + $1.tokenCount * $1.patchValues }
        let block = 2 * t * d * 3 * d + 2 * t * d * d + 2 * 2 * t * t * d + 2 * 2 * t * d * configuration.feedForwardDimensions
        let encoder = tokenizers + configuration.depth * block
        if objective == "A" {
            let heads = 2 * d * layout.modalities.reduce(0) { $0 + ($1.tokenCount / 2) * $1.patchValues }
            return 3 * batch * (encoder + heads)
        }
        let views = 2 * batch
        let projector = 2 * (d * d + d * projectionDimensions)
        return 3 * (views * (encoder + projector) + 2 * views * views * projectionDimensions)
    }

    /// Plausible wrist windows [B, samples, channels] per modality (content does not affect timing):
    /// a noisy pulse-like PPG, a drifting accelerometer with gravity on z, a slowly drifting temperature.
    public static func syntheticWindows(batch: Int, generator: inout RandomGenerator) -> [Tensor] {
        var ppg = [Float](repeating: 0, count: batch * 1920)
        var acc = [Float](repeating: 0, count: batch * 960 * 3)
        var temp = [Float](repeating: 0, count: batch * 120)
        for b in 0..<batch {
            let beatsPerSecond = 1 + 0.5 * generator.nextUniform()
            for i in 0..<1920 {
                ppg[b * 1920 + i] = sin(2 * Float.pi * beatsPerSecond * Float(i) / 64) + 0.1 * generator.nextNormal()
            }
            var drift: (Float, Float, Float) = (0, 0, 0)
            for i in 0..<960 {
                drift.0 += 0.01 * generator.nextNormal(); drift.1 += 0.01 * generator.nextNormal(); drift.2 += 0.01 * generator.nextNormal()
                acc[(b * 960 + i) * 3] = drift.0
                acc[(b * 960 + i) * 3 + 1] = drift.1
                acc[(b * 960 + i) * 3 + 2] = 1 + drift.2
            }
            var level: Float = 33
            for i in 0..<120 { level += 0.01 * generator.nextNormal(); temp[b * 120 + i] = level }
        }
        return [Tensor(shape: [batch, 1920, 1], scalars: ppg), Tensor(shape: [batch, 960, 3], scalars: acc),
                Tensor(shape: [batch, 120, 1], scalars: temp)]
    }

    /// A contrastive view: per-window scaling by N(1, 0.1²) plus Gaussian jitter (0.05, 0.05, 0.01 per modality).
    static func jittered(_ windows: [Tensor], generator: inout RandomGenerator) -> [Tensor] {
        zip(windows, [Float(0.05), 0.05, 0.01]).map { window, noise in
            let result = window.copy()
            let perWindow = window.count / window.shape[0]
            result.withUnsafeMutableBufferPointer { values in
                for b in 0..<window.shape[0] {
                    let scale = 1 + 0.1 * generator.nextNormal()
                    for i in (b * perWindow)..<((b + 1) * perWindow) {
                        values[i] = values[i] * scale + noise * generator.nextNormal()
                    }
                }
            }
            return result
        }
    }

    /// Runs one objective: builds the model from a fixed seed, then warm-up and timed steps of
    /// forward, loss, backward and AdamW (lr 1e-3, betas 0.9/0.999, weight decay 0.05).
    public static func run(objective: String, options: Options) -> (result: ObjectiveResult, encoderParameters: Int) {
        var generator = RandomGenerator(seed: 0)
        let encoder = PatchEncoder(configuration: .benchSmall, generator: &generator)
        let windows = syntheticWindows(batch: batch, generator: &generator)
        let model: Module
        let step: (inout RandomGenerator) -> Tensor
        if objective == "A" {
            let reconstruction = MaskedReconstruction(encoder: encoder, generator: &generator)
            model = reconstruction
            step = { reconstruction.loss(windows, generator: &$0).total }
        } else {
            let contrastive = ContrastiveObjective(encoder: encoder, generator: &generator)
            // Views are prepared before the clock, as the SPEC says.
            let first = jittered(windows, generator: &generator), second = jittered(windows, generator: &generator)
            model = contrastive
            step = { _ in contrastive.loss(first: first, second: second) }
        }
        let optimizer = AdamW(parameters: model.namedParameters(), learningRate: 1e-3, betas: (0.9, 0.999),
                              weightDecay: 0.05)
        func trainingStep() -> Float {
            optimizer.zeroGrad()
            let loss = step(&generator)
            loss.backward()
            optimizer.step()
            return loss.item
        }
        var lossFirst: Float = 0
        for _ in 0..<options.warmupSteps { lossFirst = trainingStep() }
        var times: [Double] = []
        var lossLast: Float = 0
        for _ in 0..<options.steps {
            let start = DispatchTime.now().uptimeNanoseconds
            lossLast = trainingStep()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let result = ObjectiveResult(stepSeconds: times, flopsPerStep: flopsPerStep(objective: objective),
                                     lossFirst: lossFirst, lossLast: lossLast)
        return (result, encoder.parameterCount)
    }

    /// Runs the benchmark and returns the SPEC's JSON line.
    public static func runAll(options: Options) -> String {
        Threading.setThreadCount(options.threads)
        let tokens = batch * PatchLayout.benchSmall.tokenCount
        let peak = GEMMPeak.measure(shapes: [(tokens, 128, 128), (tokens, 128, 512), (tokens, 512, 128), (tokens, 512, 512)])
        var fields: [(String, String)] = [("bench", "\"bench-small\""), ("framework", "\"sensorfm\""),
                                          ("threads", "\(options.threads)"), ("batch", "\(batch)")]
        var objectiveFields: [(String, String)] = []
        var parameters = 0
        for objective in options.objectives {
            TensorMemory.releaseFreeMemory()
            let (result, encoderParameters) = run(objective: objective, options: options)
            parameters = encoderParameters
            objectiveFields.append((objective, JSONLine.object([
                ("steps_per_s", JSONLine.number(result.stepsPerSecond, digits: 4)),
                ("windows_per_s", JSONLine.number(result.windowsPerSecond, digits: 2)),
                ("step_ms_median", JSONLine.number(result.medianStepMilliseconds, digits: 2)),
                ("flops_per_step", "\(result.flopsPerStep)"),
                ("gflop_per_s", JSONLine.number(result.gigaflopsPerSecond, digits: 2)),
                ("loss_first", JSONLine.number(Double(result.lossFirst), digits: 4)),
                ("loss_last", JSONLine.number(Double(result.lossLast), digits: 4)),
                ("mfu", JSONLine.number(result.gigaflopsPerSecond / peak, digits: 4)),
            ])))
        }
        fields += [("params", "\(parameters)"), ("peak_rss_mib", JSONLine.number(ProcessMemory.peakResidentMebibytes, digits: 1)),
                   ("sgemm_peak_gflops", JSONLine.number(peak, digits: 2))]
        return JSONLine.object(fields + objectiveFields)
    }
}

/// Peak resident memory of this process.
public enum ProcessMemory {
    /// `ru_maxrss` (KiB on Linux) in MiB.
    public static var peakResidentMebibytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// A tiny writer of one-line JSON objects with keys in a fixed order (JSONSerialization sorts or
/// shuffles keys, and the benchmark's line has a documented order).
enum JSONLine {
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func number(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "null" }
        return String(format: "%.\(digits)f", value)
    }
}
