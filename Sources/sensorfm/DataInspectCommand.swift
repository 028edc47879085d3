import ArgumentParser
import Foundation
import SensorData

/// `sensorfm data inspect PATH [--json]`: describes a recording source or a dataset folder.
struct DataInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a recording (E4, WESAD, collection, CSV) or a dataset folder.",
        discussion: """
            Recordings: streams with rates and durations, gaps, NaN runs, flat lines, clipping, label counts \
            and label intervals in seconds from each recording's start. Datasets (a folder with manifest.json): \
            modalities, rates, window counts and rejections, label counts, label intervals per subject, and \
            every shard checked against its SHA-256 (a failing shard exits with status 1).
            """
    )

    @Argument(help: "A recording folder or CSV file, or a dataset folder.")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Layout of a recording source: e4, wesad, csv or collection (detected when omitted).")
    var format: String?

    @Option(help: "YAML description of the CSV columns (default: beside the CSV).")
    var description: String?

    func validate() throws {
        if let format, DataCommandArguments.importFormat(named: format) == nil {
            throw ValidationError("--format takes e4, wesad, csv or collection, got '\(format)'")
        }
    }

    func run() throws {
        try runReportingDataErrors {
            let url = URL(fileURLWithPath: path)
            if DatasetInspection.isDataset(url) {
                let inspection = try DatasetInspection(directory: url)
                if json { printJSON(try DataJSON.encode(inspection)) } else { print(inspection) }
                if let problem = inspection.firstProblem { throw problem }
            } else {
                let inspection = try RecordingsInspection(
                    url: url, format: format.flatMap(DataCommandArguments.importFormat(named:)),
                    csvDescription: description.map { URL(fileURLWithPath: $0) })
                if json { printJSON(try DataJSON.encode(inspection)) } else { print(inspection) }
            }
        }
    }
}
