import ArgumentParser
import Foundation
import SensorData

/// `sensorfm data`: import real recordings, inspect recordings and datasets, write the synthetic cohort.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Import, inspect and synthesise wearable recordings and windowed datasets.",
        discussion: "See Datasets/README.md for the supported sources and their import commands.",
        subcommands: [DataImportCommand.self, DataInspectCommand.self, DataSynthCommand.self]
    )
}

/// Runs a data subcommand body, turning a data error into one `error: <file>:<line>: <message>` line on
/// standard error and exit status 1, never a stack trace.
func runReportingDataErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DataError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error.localizedDescription)\n".utf8))
        throw ExitCode(1)
    }
}

/// Writes `data` and a newline to standard output.
func printJSON(_ data: Data) {
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}
