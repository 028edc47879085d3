import Foundation

/// The deployable forms of a student.
public enum EdgeArtefactFormat: String, Sendable, CaseIterable {
    case tflite
    case c
}

/// Why an artefact was not written; each names the layer or path involved.
public enum EdgeArtefactError: Error, Equatable, CustomStringConvertible {
    case doesNotFit(EdgeBudgetError)
    case unsupportedOperator(layer: String, operatorName: String, reason: String)
    case destinationExists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .doesNotFit(let error): "\(error)"
        case .unsupportedOperator(let layer, let operatorName, let reason): "layer \(layer) (\(operatorName)): \(reason)"
        case .destinationExists(let path): "\(path) already exists; choose a new output directory"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

/// Writes a quantized student as a deployable artefact plus `model_card.json` into a new directory:
/// `model.tflite` (format tflite) or `sensorfm_model.h`, `sensorfm_model.c`, `sensorfm_kernels.h` (format c).
///
/// Everything is checked before the first byte is written (the budget on the device profile, operators the
/// format supports), the files go to a temporary sibling directory that is renamed into place at the end, and
/// an existing destination is never touched, so a failure leaves nothing behind.
public enum EdgeArtefact {
    public static func write(graph: EdgeGraph, normalization: InputNormalization, windowSeconds: Double, format: EdgeArtefactFormat,
                             profile: DeviceProfile, accuracyVersusTeacher: [String: Double]? = nil,
                             valueScaling: ModelCard.ValueScaling? = nil, pruning: [PruningRound]? = nil, to directory: URL) throws {
        precondition(graph.isQuantized, "EdgeArtefact: the graph still has float tensors; quantize it first")
        let report = BudgetReport(graph: graph, profile: profile)
        do { try report.requireFit() } catch let error as EdgeBudgetError { throw EdgeArtefactError.doesNotFit(error) }
        if format == .c && graph.hasInt16Activations, let first = graph.operators.first {
            throw EdgeArtefactError.unsupportedOperator(layer: graph.tensors[first.outputTensor].name, operatorName: first.name,
                                                        reason: "the C export has int8 kernels only; export 16x8 models as tflite")
        }
        if FileManager.default.fileExists(atPath: directory.path) { throw EdgeArtefactError.destinationExists(path: directory.path) }
        var files: [(name: String, contents: Data)]
        switch format {
        case .tflite: files = [("model.tflite", Data(TFLiteWriter.serialize(graph)))]
        case .c: files = CExport.sources(graph: graph, normalization: normalization).map { ($0.name, Data($0.contents.utf8)) }
        }
        let card = ModelCard(graph: graph, normalization: normalization, windowSeconds: windowSeconds, format: format, report: report,
                             accuracyVersusTeacher: accuracyVersusTeacher, valueScaling: valueScaling, pruning: pruning)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        files.append(("model_card.json", try encoder.encode(card)))

        let temporary = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
            for file in files {
                let url = temporary.appendingPathComponent(file.name)
                do { try file.contents.write(to: url) } catch { throw EdgeArtefactError.cannotWrite(path: url.path, reason: "\(error)") }
            }
            do { try FileManager.default.moveItem(at: temporary, to: directory) } catch {
                throw EdgeArtefactError.cannotWrite(path: directory.path, reason: "\(error)")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let artefactError = error as? EdgeArtefactError { throw artefactError }
            throw EdgeArtefactError.cannotWrite(path: temporary.path, reason: "\(error)")
        }
    }
}
