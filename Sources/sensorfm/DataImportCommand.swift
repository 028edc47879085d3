import ArgumentParser
import Foundation
import SensorData

/// `sensorfm data import SOURCE --out DIR`: recordings in a published layout -> a windowed dataset.
struct DataImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import recordings (E4, WESAD, labelled collection, CSV) and write a windowed dataset.",
        discussion: """
            The layout is detected when --format is not given. Windows carry the standard wrist modalities \
            (ppg 64 Hz, acc 32 Hz, temp 4 Hz) that every recording has; the manifest lists what was written. \
            The dataset is written to a temporary folder and renamed onto --out at the end, so nothing is \
            written on failure.
            """
    )

    @Argument(help: "An E4 export folder, a WESAD root or subject folder, a folder with labels.csv, or a CSV file.")
    var source: String

    @Option(help: "The dataset folder to write (must not exist, be empty, or be a dataset to replace).")
    var out: String

    @Option(help: "The layout: e4, wesad, csv or collection (detected when omitted).")
    var format: String?

    @Option(help: "YAML description of the CSV columns (for --format csv; default: beside the CSV).")
    var description: String?

    @Option(help: "Window length in seconds.")
    var window = 30.0

    @Option(help: "Stride between window starts in seconds.")
    var stride = 10.0

    func validate() throws {
        if let format, DataCommandArguments.importFormat(named: format) == nil {
            throw ValidationError("--format takes e4, wesad, csv or collection, got '\(format)'")
        }
        if let problem = DataCommandArguments.windowProblem(windowSeconds: window, strideSeconds: stride) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        try runReportingDataErrors {
            let report = try ImportReport.importDataset(
                from: URL(fileURLWithPath: source), format: format.flatMap(DataCommandArguments.importFormat(named:)),
                csvDescription: description.map { URL(fileURLWithPath: $0) }, to: URL(fileURLWithPath: out),
                windowSeconds: window, strideSeconds: stride)
            print(report)
            print("wrote \(report.dataset.path)")
        }
    }
}
