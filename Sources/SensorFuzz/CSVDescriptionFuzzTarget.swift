import Foundation
import SensorData

/// Fuzzes `CSVDescription.parse(yaml:source:)` with mutated YAML descriptions of generic CSV files.
/// Accepted descriptions must name at least one stream, each with a positive finite rate and one
/// channel name per column.
struct CSVDescriptionFuzzTarget: FuzzTarget {
    let name = "csv-description"

    private static let seeds = [
        "timestamp: {column: t, unit: s}\nstreams:\n  ppg: {columns: [green], rate: 64, unit: \"a.u.\"}\n  acc: {columns: [ax, ay, az], rate: 32, unit: g, channels: [x, y, z]}\nsubject: P01\nsession: lab\ndelimiter: \",\"\n",
        "timestamp:\n  column: time\n  unit: iso8601\nstreams:\n  temp:\n    columns:\n      - skin\n    rate: 4\n    unit: C\n",
        "timestamp: {column: ms, unit: ms}\nstreams: {eda: {columns: [e], rate: 4.5}}\ndelimiter: \";\"\n",
    ]

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        DataFuzzSupport.mutateText(mutator.pick(Self.seeds), using: &mutator)
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        let text = String(decoding: input, as: UTF8.self)
        return DataFuzzSupport.judge(label: label, input: input, { try CSVDescription.parse(yaml: text, source: label) }) { description in
            guard !description.streams.isEmpty else { return "no stream" }
            for stream in description.streams {
                guard stream.samplingRate > 0, stream.samplingRate.isFinite, !stream.columns.isEmpty,
                      stream.channelNames.count == stream.columns.count else {
                    return "stream \(stream.name) has rate \(stream.samplingRate), \(stream.columns.count) columns, \(stream.channelNames.count) channel names"
                }
            }
            return nil
        }
    }
}
