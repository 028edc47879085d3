import SensorEdge

extension BenchCommand {
    /// `sensorfm bench student`: single-window latency of the Swift int8 runtime on the default wrist student
    /// (seeded random weights), one JSON line; `Scripts/check_tflite.py --litert --swift-us` prints LiteRT's ratio.
    func runStudent() {
        let result = StudentBenchmark.run(configuration: StudentConfiguration(), arithmetic: .int8, warmup: warmup, iterations: steps)
        print(result.jsonLine(model: "default wrist student", arithmetic: .int8))
    }
}
