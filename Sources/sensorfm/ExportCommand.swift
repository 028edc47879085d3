import ArgumentParser
import Foundation
import SensorEdge
import SensorRun

extension EdgeArtefactFormat: ExpressibleByArgument {}

/// `sensorfm export RUN_DIR --format tflite|c --out DIR`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the int8 student of a distill run as .tflite or C sources plus model_card.json.",
        discussion: "Checks the budget on the run's device first; never overwrites an existing DIR and leaves nothing on failure."
    )

    @Argument(help: "A run folder written by sensorfm distill.")
    var runDirectory: String

    @Option(help: "tflite (model.tflite) or c (sensorfm_model.c/.h, sensorfm_kernels.h).")
    var format: EdgeArtefactFormat

    @Option(help: ArgumentHelp("The new output directory.", valueName: "dir"))
    var out: String

    func run() throws {
        try runReportingRunErrors("export") {
            try StudentExport.write(runDirectory: URL(fileURLWithPath: runDirectory), format: format, to: URL(fileURLWithPath: out))
            print("export: \(URL(fileURLWithPath: out).standardizedFileURL.path)")
        }
    }
}
