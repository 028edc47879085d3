import Foundation
import SensorData

/// Shared pieces of the SensorData reader targets: judging what a reader did with an input (a clean
/// `DataError` naming the input, or acceptance that passes the target's checks), and line-aware
/// mutations of text formats on top of `Mutator`'s byte mutations.
enum DataFuzzSupport {
    /// Tokens for text formats: delimiters, line ends, number spellings, quotes, WESAD row keys, YAML and
    /// JSON syntax, and invalid UTF-8.
    static let textDictionary: [[UInt8]] = [
        ",", ";", "\n", "\r\n", "\r", "\"", " ", "\t", "-", ".", "e", "E", "+", "nan", "NaN", "inf", "-inf", "Infinity",
        "0", "0.0", "-0", "1e400", "1e-400", "99999999999999999999", "0x1p3", "# ORDER", "# START", "# END", "Medi 1",
        ":", "- ", "{", "}", "[", "]", "&a", "*a", "!!str", "null", "~", "true", "\"\\u0000\"", "---", "...", "#",
    ].map { Array($0.utf8) } + [[0xFF], [0x00], [0xEF, 0xBB, 0xBF], [0xC0, 0x80], [0xE2, 0x82]]

    /// Judges one parse: a `DataError` must name `label` as its file, carry a line inside the input (or
    /// none) and a bounded one-line message; any other error is a failure; an accepted value goes to
    /// `check`, which returns a problem or nil.
    static func judge<Value>(label: String, input: [UInt8], _ parse: () throws -> Value,
                             check: (Value) -> String?) -> FuzzOutcome {
        let value: Value
        do {
            value = try parse()
        } catch let error as DataError {
            return judgeRejection(error, label: label, input: input)
        } catch {
            return .failure("threw \(type(of: error)) instead of DataError: \(String(describing: error).prefix(300))")
        }
        if let problem = check(value) { return .failure("accepted, but \(problem)") }
        return .accepted
    }

    static func judgeRejection(_ error: DataError, label: String, input: [UInt8]) -> FuzzOutcome {
        // Physical lines, plus the one just past the end, where a missing row ("found the end of the
        // file") is reported.
        let lineBound = 2 + input.reduce(0) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
        guard error.file == label, error.description.hasPrefix("\(label):") else {
            return .failure("error names \(error.file), not the input: \(error.description.prefix(300))")
        }
        if let line = error.line, line < 1 || line > lineBound {
            return .failure("error names line \(line) of an input with at most \(lineBound - 1) lines: \(error.description.prefix(300))")
        }
        guard !error.message.isEmpty, error.message.count <= 1000, !error.message.contains("\n") else {
            return .failure("malformed message (\(error.message.count) characters): \(error.message.prefix(300))")
        }
        return .rejected(category: "\(error.kind.rawValue): " + FuzzDriver.category(of: error.message))
    }

    /// Byte mutations (`rounds` of them) or line-level edits of a text seed.
    static func mutateText(_ text: String, using mutator: inout Mutator) -> [UInt8] {
        var bytes = Array(text.utf8)
        switch mutator.nextInt(below: 100) {
        case 0..<5:
            break
        case 5..<55:
            mutator.mutateBytes(&bytes, rounds: mutator.nextInt(in: 1...4), dictionary: textDictionary)
        case 55..<90:
            for _ in 0..<mutator.nextInt(in: 1...3) { mutateLines(&bytes, using: &mutator) }
        default:
            mutateLines(&bytes, using: &mutator)
            mutator.mutateBytes(&bytes, rounds: mutator.nextInt(in: 1...3), dictionary: textDictionary)
        }
        return bytes
    }

    /// Edits whole lines or cells: drops, duplicates or swaps a line, adds a blank one, replaces a cell
    /// with a boundary number, or adds or removes a cell.
    static func mutateLines(_ bytes: inout [UInt8], using mutator: inout Mutator) {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { return }
        let index = mutator.nextInt(below: lines.count)
        switch mutator.nextInt(below: 7) {
        case 0:
            lines.remove(at: index)
        case 1:
            lines.insert(lines[index], at: mutator.nextInt(in: 0...lines.count))
        case 2:
            lines.swapAt(index, mutator.nextInt(below: lines.count))
        case 3:
            lines.insert([], at: mutator.nextInt(in: 0...lines.count))
        default:
            let delimiter: UInt8 = lines[index].contains(0x3B) ? 0x3B : 0x2C
            var cells = lines[index].split(separator: delimiter, omittingEmptySubsequences: false).map(Array.init)
            let cell = mutator.nextInt(below: cells.count)
            switch mutator.nextInt(below: 3) {
            case 0: cells[cell] = Array(mutator.interestingNumberLiteral().utf8)
            case 1: cells.insert(Array(mutator.interestingNumberLiteral().utf8), at: mutator.nextInt(in: 0...cells.count))
            default: cells.remove(at: cell)
            }
            lines[index] = Array(cells.joined(separator: [delimiter]))
        }
        bytes = Array(lines.joined(separator: [0x0A]))
    }
}
