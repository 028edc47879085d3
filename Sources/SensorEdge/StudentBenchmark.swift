import Foundation

/// Single-window latency of the Swift integer runtime on a quantized student: `warmup` untimed runs, then
/// `iterations` timed ones over a fixed set of inputs (cycled), reported as median and minimum microseconds.
public enum StudentBenchmark {
    public struct Result: Sendable {
        public var iterations: Int
        public var medianMicroseconds: Double
        public var minimumMicroseconds: Double

        /// One JSON line for `sensorfm bench student`.
        public func jsonLine(model: String, arithmetic: EdgeArithmetic) -> String {
            let fields = [
                "\"benchmark\":\"student\"", "\"model\":\"\(model)\"", "\"arithmetic\":\"\(arithmetic.rawValue)\"",
                "\"iterations\":\(iterations)",
                String(format: "\"median_us\":%.1f", medianMicroseconds), String(format: "\"min_us\":%.1f", minimumMicroseconds),
            ]
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    /// Times `IntegerRuntime` (int8) or `Integer16x8Runtime` (16x8) on `graph`; inputs come from
    /// `EdgeSelfCheck.testInputs` for `configuration`.
    public static func run(configuration: StudentConfiguration, arithmetic: EdgeArithmetic, seed: UInt64 = 7, warmup: Int = 3,
                           iterations: Int) -> Result {
        precondition(iterations >= 1 && warmup >= 0, "StudentBenchmark: iterations \(iterations) must be >= 1, warmup \(warmup) >= 0")
        let graph = EdgeSelfCheck.quantizedStudent(configuration: configuration, seed: seed, arithmetic: arithmetic)
        let invoke: (Int) -> Int
        if arithmetic == .int16x8 {
            let runtime = Integer16x8Runtime(graph: graph)
            let inputs = EdgeSelfCheck.testInputs16(for: graph, configuration: configuration, count: 8, seed: seed)
            invoke = { runtime.run(inputs[$0 % inputs.count])[0].count }
        } else {
            let runtime = IntegerRuntime(graph: graph)
            let inputs = EdgeSelfCheck.testInputs(for: graph, configuration: configuration, count: 8, seed: seed)
            invoke = { runtime.run(inputs[$0 % inputs.count])[0].count }
        }
        var sink = 0
        for index in 0..<warmup { sink &+= invoke(index) }
        var times: [Double] = []
        for index in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            sink &+= invoke(index)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        precondition(sink > 0, "StudentBenchmark: the runtime produced no outputs")
        times.sort()
        return Result(iterations: iterations, medianMicroseconds: times[times.count / 2], minimumMicroseconds: times[0])
    }
}
