import ArgumentParser
import Foundation
import SensorEdge

/// `sensorfm edge budget --device FILE`: the budget report of a student on a device profile; exits 1 when the
/// student does not fit, naming the offending layer.
struct EdgeBudgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Print a student's budget report on a device profile and check that it fits.",
        discussion: "Reports parameters, weight bytes (float32, int8, 16x8), the planned activation arena at the profile's arithmetic, MACs per inference and the latency they take at the profile's clock and cycles per MAC. Exits 1 when the student exceeds the profile's weight flash, arena or inference period, naming the layer to blame."
    )

    @Option(help: "Device profile YAML (Experiments/devices/*.yaml).")
    var device: String

    @Option(help: "Which student: student (the default wrist student) or golden (the small student the Swift tests pin).")
    var model = "student"

    func validate() throws {
        guard ["student", "golden"].contains(model) else {
            throw ValidationError("--model takes student or golden, got '\(model)'")
        }
    }

    func run() throws {
        let profile = try DeviceProfile.load(URL(fileURLWithPath: device))
        let configuration = model == "golden" ? EdgeSelfCheck.goldenConfiguration : StudentConfiguration()
        let graph = StudentLowering.floatGraph(EdgeSelfCheck.randomStudent(configuration: configuration, seed: 7))
        let report = BudgetReport(graph: graph, profile: profile)
        print(report.text)
        if !report.violations.isEmpty { throw ExitCode(1) }
    }
}
