import Foundation
import SensorEval

/// The trained-and-predicted cells of an evaluation run (one model, mode, label fraction, seed and
/// fold of one task), each written atomically to `cells/` as it finishes, so an interrupted
/// `sensorfm evaluate` resumes with the cells it has. Scoring, comparisons and summaries are pure
/// functions of the cells' predictions, so a resumed run writes the same `results.json` as an
/// uninterrupted one.
public struct EvaluationCells {
    /// What a cell keeps: enough to rebuild its `RunResult` and its paired comparisons.
    public struct Cell: Codable, Equatable {
        public var trainingWindows: Int
        public var epochLosses: [Float]
        public var predictions: Predictions
    }

    public let directory: URL

    public init(directory: URL) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RunError.io(path: directory.path, "cannot create: \(error.localizedDescription)")
        }
        self.directory = directory
    }

    /// The file of a cell: `TASK.fold-F.fraction-X.seed-S.MODEL.MODE.json`.
    public func url(task: String, fold: Int, fraction: Double, seed: UInt64, model: String, mode: String) -> URL {
        directory.appendingPathComponent("\(task).fold-\(fold).fraction-\(fraction).seed-\(seed).\(model).\(mode).json")
    }

    /// The stored cell, or nil when it was not finished. A cell that exists but cannot be read
    /// (another version's format) is an error naming the file, never silently retrained.
    public func load(_ url: URL) throws -> Cell? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(Cell.self, from: data) } catch {
            throw RunError.notARun(path: url.path, "an unreadable evaluation cell (\(error)); delete it to recompute that cell")
        }
    }

    public func save(_ cell: Cell, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try RunFolder.writeAtomically(try encoder.encode(cell), to: url)
    }
}
