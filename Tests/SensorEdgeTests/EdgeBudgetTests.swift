import Foundation
import Testing
@testable import SensorEdge

@Suite struct EdgeBudgetTests {
    static let devices = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments/devices")

    static let valid = """
        name: test
        processor: Cortex-M4F
        clock_mhz: 64
        arithmetic: int8
        inference_rate_hz: 0.1
        weight_flash_bytes: 65536
        arena_bytes: 32768
        runtime_overhead: {fixed_bytes: 680, per_tensor_bytes: 24, per_operator_bytes: 172, per_channel_bytes: 8}
        cycles_per_mac: 6
        """

    @Test func committedProfilesParse() throws {
        let wrist = try DeviceProfile.load(Self.devices.appendingPathComponent("wrist-default.yaml"))
        #expect(wrist == DeviceProfile(name: "wrist-default", processor: "Cortex-M4F", clockMegahertz: 64, arithmetic: .int8,
                                       inferenceRateHertz: 0.1, weightFlashBytes: 65536, arenaBytes: 32768,
                                       runtimeOverhead: RuntimeOverhead(fixedBytes: 680, bytesPerTensor: 24, bytesPerOperator: 172, bytesPerChannel: 8),
                                       cyclesPerMultiplyAccumulate: 6))
        let large = try DeviceProfile.load(Self.devices.appendingPathComponent("m7-large.yaml"))
        #expect(large.arithmetic == .int16x8 && large.arenaBytes == 131072 && large.clockMegahertz == 480)
    }

    static func error(_ yaml: String) -> DeviceProfileError? {
        do {
            _ = try DeviceProfile.parse(yaml: yaml, file: "bad.yaml")
            return nil
        } catch let error as DeviceProfileError {
            return error
        } catch {
            return nil
        }
    }

    @Test func badProfilesNameFileLineAndKey() throws {
        let unknown = try #require(Self.error(Self.valid + "\nflash_kib: 64"))
        #expect(unknown.file == "bad.yaml" && unknown.line == 10 && unknown.key == "flash_kib")
        #expect(unknown.description.hasPrefix("bad.yaml:10: flash_kib: unknown key"))
        let missing = try #require(Self.error(Self.valid.replacingOccurrences(of: "cycles_per_mac: 6", with: "")))
        #expect(missing.key == "cycles_per_mac" && missing.message == "missing required key")
        let arithmetic = try #require(Self.error(Self.valid.replacingOccurrences(of: "arithmetic: int8", with: "arithmetic: int4")))
        #expect(arithmetic.key == "arithmetic" && arithmetic.line == 4 && arithmetic.message.contains("int4"))
        let negative = try #require(Self.error(Self.valid.replacingOccurrences(of: "clock_mhz: 64", with: "clock_mhz: -1")))
        #expect(negative.key == "clock_mhz" && negative.line == 3)
        let fractionalBytes = try #require(Self.error(Self.valid.replacingOccurrences(of: "arena_bytes: 32768", with: "arena_bytes: 32 KiB")))
        #expect(fractionalBytes.key == "arena_bytes" && fractionalBytes.line == 7)
        let overheadKey = try #require(Self.error(Self.valid.replacingOccurrences(of: "per_tensor_bytes", with: "per_tensors")))
        #expect(overheadKey.key == "runtime_overhead.per_tensors" && overheadKey.message.contains("unknown key"))
        let overheadFixed = try #require(Self.error(Self.valid.replacingOccurrences(of: "fixed_bytes: 680, ", with: "")))
        #expect(overheadFixed.key == "runtime_overhead.fixed_bytes" && overheadFixed.message == "missing required key")
        let overheadScalar = try #require(Self.error(Self.valid.replacingOccurrences(of: "{fixed_bytes: 680, per_tensor_bytes: 24, per_operator_bytes: 172, per_channel_bytes: 8}", with: "8480")))
        #expect(overheadScalar.key == "runtime_overhead" && overheadScalar.message.contains("mapping"))
        let twice = try #require(Self.error(Self.valid + "\nname: again"))
        #expect(twice.key == "name" && twice.message == "key appears twice", "\(twice)")
        #expect(Self.error("- a\n- b")?.message.contains("mapping") == true)
        let syntax = try #require(Self.error("name: test\nclock_mhz: [64"))
        #expect(syntax.line != nil && syntax.message.hasPrefix("invalid YAML"), "\(syntax)")
    }

    /// input (100 values) -> a = concatenation(input, input) (200) -> b = mean(a) (2): sizes round up to 112,
    /// 208 and 16 bytes; the input and `a` are live together at step 0, `a` and `b` at step 1, so the greedy plan
    /// puts `a` at 0, the input and `b` after it, and the arena is 208 + 112 = 320 bytes.
    @Test func arenaPlanOfAChain() {
        var graph = EdgeGraph()
        let input = graph.addTensor(EdgeTensor(name: "input", shape: [1, 1, 100, 1], elementType: .int8))
        let a = graph.addTensor(EdgeTensor(name: "a", shape: [1, 1, 100, 2], elementType: .int8))
        let b = graph.addTensor(EdgeTensor(name: "b", shape: [1, 2], elementType: .int8))
        let axes = graph.addTensor(EdgeTensor(name: "axes", shape: [2], elementType: .int32, constant: .int32([1, 2])))
        graph.operators = [.concatenation(inputs: [input, input], output: a, axis: 3), .mean(input: a, axes: axes, output: b)]
        graph.inputs = [input]
        graph.outputs = [b]
        let plan = ArenaPlan(graph: graph, activationBytes: 1)
        #expect(plan.buffers.map(\.bytes) == [112, 208, 16])
        #expect(plan.buffers.map(\.offset) == [208, 0, 208])
        #expect(plan.bytes == 320)
        #expect(plan.liveBytes(steps: 2) == [320, 224])
        #expect(ArenaPlan(graph: graph, activationBytes: 2).bytes == 400 + 208)
    }

    /// Parameters and MACs of the golden student from its configuration in closed form.
    @Test func budgetOfTheGoldenStudent() throws {
        let configuration = EdgeSelfCheck.goldenConfiguration
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: configuration, seed: 3))
        let profile = try DeviceProfile.parse(yaml: Self.valid, file: "test.yaml")
        let report = BudgetReport(graph: graph, profile: profile)
        let w = configuration.stemWidths[0][0], k = configuration.kernelSize, s = configuration.stride
        var parameters = 0, macs = 0
        for modality in configuration.modalities {
            var length = (modality.length - k) / s + 1
            parameters += w * k * modality.channels + w
            macs += length * w * k * modality.channels
            for _ in 0..<configuration.depth {
                length = (length - k) / s + 1
                parameters += (w * k + w) + (w * w + w)
                macs += length * w * k + length * w * w
            }
        }
        let features = w * configuration.modalities.count, hidden = configuration.hiddenDimensions
        parameters += features * hidden + hidden + hidden * configuration.classCount + configuration.classCount
        macs += features * hidden + hidden * configuration.classCount
        #expect(report.parameters == parameters)
        #expect(report.multiplyAccumulates == macs)
        let biases = report.layers.reduce(0) { $0 + $1.biases }
        #expect(report.weightBytes(.int8) == parameters - biases + 4 * biases)
        #expect(report.weightBytes(.int16x8) == parameters - biases + 8 * biases)
        #expect(report.float32WeightBytes == 4 * parameters)
        #expect(abs(report.latencyMilliseconds - Double(macs) * 6 / 64_000) < 1e-9)
        #expect(report.violations.isEmpty)
        try report.requireFit()
    }

    /// The default wrist student fits the default wrist profile (the real TFLite Micro arena is checked
    /// against the same limit in Scripts/e2e.d/edge.sh).
    @Test func defaultStudentFitsTheWristProfile() throws {
        let profile = try DeviceProfile.load(Self.devices.appendingPathComponent("wrist-default.yaml"))
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: StudentConfiguration(), seed: 3))
        let report = BudgetReport(graph: graph, profile: profile)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.estimatedRuntimeArenaBytes <= 32 * 1024 && report.deployedWeightBytes <= 64 * 1024)
    }

    /// The smallest arenas TFLite Micro accepted (check_tflite.py --arena on 1-epoch smoke distills of these shapes,
    /// the last a width-24 student pruned to 12): the wrist profile's overhead model is an upper bound on each, at
    /// most 16 B (one bisection step) above.
    @Test func runtimeOverheadModelBoundsTheMeasuredArenas() throws {
        let profile = try DeviceProfile.load(Self.devices.appendingPathComponent("wrist-default.yaml"))
        let wrist: [StudentModality] = [.photoplethysmogram, .accelerometer, .temperature]
        let measured: [(modalities: [StudentModality], width: Int, depth: Int, kernel: Int, arena: Int)] = [
            (wrist, 8, 1, 5, 20160), (wrist, 14, 1, 5, 29360), (wrist, 14, 2, 5, 31600), (wrist, 14, 2, 7, 31568),
            (wrist, 14, 3, 5, 33824), (wrist, 14, 3, 7, 33792), (wrist, 6, 3, 5, 20992), (Array(wrist.prefix(2)), 14, 2, 5, 29168),
            (wrist, 12, 3, 7, 30240),
        ]
        for shape in measured {
            let configuration = StudentConfiguration(modalities: shape.modalities, width: shape.width, depth: shape.depth,
                                                     kernelSize: shape.kernel, stride: 2, hiddenDimensions: 32, classCount: 6)
            let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: configuration, seed: 1))
            let estimate = BudgetReport(graph: graph, profile: profile).estimatedRuntimeArenaBytes
            #expect(estimate >= shape.arena && estimate <= shape.arena + 16,
                    "width \(shape.width) depth \(shape.depth) kernel \(shape.kernel): estimate \(estimate), TFLite Micro \(shape.arena)")
        }
        // Closed form for the default student: 3 modalities × (input, shape, reshape, 5 units × 3, pooled) + axes,
        // features, 2 dense layers × 3, probabilities = 66 tensors; 3 × 7 + 4 = 25 operators; 15 convolutions of
        // 14 channels, two 56 B arrays rounded to 64 each.
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: StudentConfiguration(), seed: 1))
        #expect(graph.tensors.count == 66 && graph.operators.count == 25)
        #expect(profile.runtimeOverhead.bytes(for: graph) == 680 + 24 * 66 + 172 * 25 + 15 * 128)
    }

    /// A device too small for the default student names the layer to blame for each limit.
    @Test func tooSmallDeviceNamesTheOffendingLayer() throws {
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: StudentConfiguration(), seed: 3))
        let tiny = DeviceProfile(name: "tiny", processor: "Cortex-M0", clockMegahertz: 1, arithmetic: .int8, inferenceRateHertz: 10,
                                 weightFlashBytes: 1000, arenaBytes: 9000, runtimeOverhead: RuntimeOverhead(fixedBytes: 1000),
                                 cyclesPerMultiplyAccumulate: 10)
        let report = BudgetReport(graph: graph, profile: tiny)
        let violations = report.violations
        #expect(violations.map(\.limit) == [.weights, .arena, .latency])
        // The hidden layer (42 × 32 weights) is the largest; PPG's first convolution is the first to hold over
        // the 8000 B left for activations (its 958 × 14 output); the accelerometer's stem convolution
        // (478 × 14 × 5 × 3 MACs) is the heaviest.
        #expect(violations[0].layer == "hidden")
        #expect(violations[1].layer == "ppg_unit0")
        #expect(violations[2].layer == "acc_unit0")
        #expect(throws: EdgeBudgetError.self) { try report.requireFit() }
    }
}
