import Foundation

/// An error in the data a user handed us (a file, a folder, a description), never a programmer error.
///
/// Every error names the file it concerns and, when it concerns a line, the 1-based physical line number
/// with header rows counted, so a user can open the file at that line. `description` reads like a
/// compiler diagnostic: `path/to/ACC.csv:2: sample rate must be a positive number of Hz, found "0"`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for programs that branch on it; the message carries the detail for people.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A header row is missing, misplaced or holds the wrong kind of value.
        case malformedHeader
        /// A sample rate is zero, negative, not finite or not a number.
        case invalidSampleRate
        /// A data row has a different number of cells than the header declares.
        case raggedRow
        /// A cell that must hold a number holds something else.
        case nonNumericCell
        /// A value parsed but is out of its allowed range (a time of 7.75 minutes.seconds, a negative interval).
        case invalidValue
        /// A folder holds no stream that can be imported.
        case noUsableStream
        /// A label interval starts before or ends after the recording it labels.
        case labelOutsideRecording
        /// A description (YAML) holds a key we do not know, or lacks one we need.
        case invalidDescription
        /// A file or folder that must exist does not, or cannot be read.
        case missingFile
        /// The layout of a path matches no supported format.
        case unrecognisedLayout
        /// A stream or rate that a configuration requires is absent from the data.
        case missingModality
        /// A stored file is truncated, tampered with, or fails its integrity check.
        case corruptFile
    }

    public var kind: Kind
    /// The file (or folder) the error concerns, as given to the reader.
    public var file: String
    /// 1-based physical line number, header rows counted; nil when the error concerns the whole file.
    public var line: Int?
    /// What was expected and what was found.
    public var message: String

    public init(_ kind: Kind, file: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

extension DataError: LocalizedError {
    public var errorDescription: String? { description }
}

extension DataError {
    /// Shows a cell's text in a message: quoted, with control bytes escaped and long text cut, so that a
    /// message built from arbitrary bytes stays one readable line.
    static func quote<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = "\""
        var shown = 0
        for byte in bytes {
            if shown == 40 { text += "…"; break }
            switch byte {
            case 0x22: text += "\\\""
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
            shown += 1
        }
        return text + "\""
    }

    /// Shows a string in a message the same way as `quote(_:)` does bytes.
    static func quote(_ string: String) -> String { quote(Array(string.utf8)) }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
