import Foundation
import SensorData

/// Fuzzes `E4CSVReader` (signal files, `IBI.csv`, `tags.csv`) with mutated E4 export files. Every entry
/// point sees every input; each must accept it with consistent tables or throw a `DataError` naming it.
struct E4CSVFuzzTarget: FuzzTarget {
    let name = "e4-csv"

    private static let seeds = [
        "1700000000.000000, 1700000000.000000, 1700000000.000000\n32.000000, 32.000000, 32.000000\n-9,23,57\n-10,21,57\n-8,22,58\n",
        "1700000000.000000\n64.000000\n0.00\n-1.25\n3.50\n12.75\n",
        "1700000000.000000\n4.000000\n32.31\n32.31\n32.33\n",
        "1700000010.000000\n1.000000\n65.39\n66.17\n",
        "1700000000.000000, IBI\n0.909091,0.922448\n1.831539,0.933308\n2.764847,0.934817\n",
        "1700000003.00\n1700000007.50\n",
        "1700000000\r\n4\r\n0.1\r\n0.2\r\n",
    ]

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        DataFuzzSupport.mutateText(mutator.pick(Self.seeds), using: &mutator)
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        let data = Data(input)
        let signal = DataFuzzSupport.judge(label: label, input: input, { try E4CSVReader.parse(data: data, source: label) }) { table in
            guard table.samplingRate > 0, table.samplingRate.isFinite, table.startTime.isFinite else {
                return "rate \(table.samplingRate) or start \(table.startTime) is not a positive finite number"
            }
            guard table.columnCount >= 1, table.values.count % table.columnCount == 0 else {
                return "\(table.values.count) values do not fill \(table.columnCount) columns"
            }
            return nil
        }
        let interbeat = DataFuzzSupport.judge(label: label, input: input, { try E4CSVReader.parseInterbeatIntervals(data: data, source: label) }) { table in
            table.offsets.count == table.intervals.count && table.offsets.count == table.lines.count
                ? nil : "offsets, intervals and lines have different counts"
        }
        let tags = DataFuzzSupport.judge(label: label, input: input, { try E4CSVReader.parseTags(data: data, source: label) }) { tags in
            tags.allSatisfy { $0.time.isFinite && $0.line >= 1 } ? nil : "a tag time is not finite or its line is below 1"
        }
        for outcome in [signal, interbeat, tags] {
            if case .failure = outcome { return outcome }
        }
        return signal
    }
}
