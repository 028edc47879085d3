import Foundation
import SafeTensors
import SensorNN
import SensorTensor
import Testing

/// Loading the PyTorch fixtures written by Scripts/make_fixtures.py and comparing against them.
///
/// A fixture file holds many cases; the tensors of case C are named `C.input.<name>`,
/// `C.const.<name>`, `C.output[.<k>]`, `C.upstream[.<k>]`, `C.grad.<name>`, `C.param.<name>`,
/// `C.paramgrad.<name>`, `C.buffer.<name>` and `C.buffer_after.<name>` (see the script's docstring).

/// A fixture file or tensor that is missing or unreadable.
struct ParityFixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The fixture files, each read once and shared by every test that needs it.
enum ParityFixtures {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var files: [String: SafeTensorsFile] = [:]

    /// The file `Fixtures/<name>.safetensors` of the test bundle.
    static func file(_ name: String) throws -> SafeTensorsFile {
        if let cached = lock.withLock({ files[name] }) { return cached }
        guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures") else {
            throw ParityFixtureError(description: "fixture Fixtures/\(name).safetensors is not in the test bundle")
        }
        let file = try SafeTensorsFile(contentsOf: url)
        lock.withLock { files[name] = file }
        return file
    }

    /// The case names the script recorded in the file's metadata, in writing order.
    static func caseNames(_ name: String) throws -> [String] {
        guard let list = try file(name).metadata["cases"] else {
            throw ParityFixtureError(description: "fixture \(name) has no 'cases' metadata")
        }
        return list.split(separator: ",").map(String.init)
    }
}

/// Records an issue unless the cases a suite checks are exactly the cases of its fixture file, so
/// a case added to the script without a Swift check (or the reverse) does not go unnoticed.
func expectEveryCaseChecked(fixture: String, checked: some Collection<String>,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
    let recorded = Set(try ParityFixtures.caseNames(fixture)), known = Set(checked)
    #expect(recorded.subtracting(known).isEmpty, "cases of \(fixture) without a check: \(recorded.subtracting(known).sorted())",
            sourceLocation: sourceLocation)
    #expect(known.subtracting(recorded).isEmpty, "checks without a case in \(fixture): \(known.subtracting(recorded).sorted())",
            sourceLocation: sourceLocation)
}

/// One case of a fixture file: typed access to its tensors and the standard forward/backward check.
struct ParityCase {
    let fixture: String
    let name: String
    let file: SafeTensorsFile

    init(fixture: String, name: String) throws {
        self.fixture = fixture
        self.name = name
        file = try ParityFixtures.file(fixture)
    }

    /// Names under this case that start with `prefix` (e.g. "grad."), with the prefix removed.
    func keys(under prefix: String) -> [String] {
        let full = "\(name).\(prefix)"
        return file.names.filter { $0.hasPrefix(full) }.map { String($0.dropFirst(full.count)) }
    }

    func contains(_ key: String) -> Bool { file["\(name).\(key)"] != nil }

    /// The float tensor `<case>.<key>`, a fresh leaf.
    func tensor(_ key: String, requiresGrad: Bool = false) throws -> Tensor {
        guard let entry = file["\(name).\(key)"] else {
            throw ParityFixtureError(description: "fixture \(fixture): no tensor \(name).\(key)")
        }
        return Tensor(shape: entry.shape, scalars: try entry.floats(), requiresGrad: requiresGrad)
    }

    /// The differentiable input `<case>.input.<name>` (requires gradients).
    func input(_ inputName: String) throws -> Tensor { try tensor("input.\(inputName)", requiresGrad: true) }

    /// The non-differentiable float input `<case>.const.<name>` (masks, statistics).
    func constant(_ constantName: String) throws -> Tensor { try tensor("const.\(constantName)") }

    /// The integer input `<case>.const.<name>` with its shape.
    func indices(_ constantName: String) throws -> (values: [Int], shape: [Int]) {
        guard let entry = file["\(name).const.\(constantName)"] else {
            throw ParityFixtureError(description: "fixture \(fixture): no tensor \(name).const.\(constantName)")
        }
        return (try entry.int64s().map { Int($0) }, entry.shape)
    }

    /// Compares `actual` with the stored tensor `<case>.<key>` per element (see `assertClose`).
    func expectMatch(_ actual: Tensor?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        assertClose(actual, try tensor(key), "\(fixture)/\(name) \(key)", sourceLocation: sourceLocation)
    }

    /// The standard check of one op: runs `body` on the stored inputs (in the order of `inputs`),
    /// compares the output, back-propagates the stored upstream gradient and compares the gradient
    /// of every input. Every `grad.*` tensor of the case must belong to one of `inputs`.
    func check(inputs inputNames: [String], sourceLocation: SourceLocation = #_sourceLocation,
               _ body: ([Tensor]) throws -> Tensor) throws {
        try checkOutputs(inputs: inputNames, sourceLocation: sourceLocation) { [try body($0)] }
    }

    /// `check` for ops with several outputs, stored as `output.<k>` with `upstream.<k>`. Backward
    /// runs from Σₖ Σ(outputₖ ∘ upstreamₖ), whose gradient with respect to outputₖ is upstreamₖ.
    func checkOutputs(inputs inputNames: [String], sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: ([Tensor]) throws -> [Tensor]) throws {
        let inputs = try inputNames.map(input)
        let outputs = try body(inputs)
        let suffixes = outputs.count == 1 && contains("output") ? [""] : (0..<outputs.count).map { ".\($0)" }
        for (output, suffix) in zip(outputs, suffixes) {
            try expectMatch(output, "output\(suffix)", sourceLocation: sourceLocation)
        }
        let stored = Set(keys(under: "grad."))
        #expect(stored == Set(inputNames) || stored.isEmpty,
                "\(fixture)/\(name): gradients stored for \(stored.sorted()), checked for \(inputNames.sorted())",
                sourceLocation: sourceLocation)
        guard contains("upstream\(suffixes[0])") else { return }
        if outputs.count == 1 {
            outputs[0].backward(gradient: try tensor("upstream"))
        } else {
            var total: Tensor?
            for (output, suffix) in zip(outputs, suffixes) {
                let term = (output * (try tensor("upstream\(suffix)"))).sum()
                total = total.map { $0 + term } ?? term
            }
            total?.backward()
        }
        for (inputName, input) in zip(inputNames, inputs) {
            try expectMatch(input.grad, "grad.\(inputName)", sourceLocation: sourceLocation)
        }
    }

    /// Copies the stored `param.<name>` tensors into `module`'s parameters, after checking that the
    /// module's parameter names are exactly the stored ones (so the naming matches PyTorch's side).
    func loadParameters(into module: Module, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let named = module.namedParameters()
        let stored = keys(under: "param.")
        #expect(named.map(\.0).sorted() == stored.sorted(),
                "\(fixture)/\(name): module parameters \(named.map(\.0)) but fixture parameters \(stored)",
                sourceLocation: sourceLocation)
        for (parameterName, parameter) in named {
            let value = try tensor("param.\(parameterName)")
            try #require(value.shape == parameter.shape,
                         "\(fixture)/\(name): \(parameterName) is \(parameter.shape) in Swift, \(value.shape) in the fixture",
                         sourceLocation: sourceLocation)
            parameter.assign(value)
        }
    }
}

/// Checks per element that |actual − expected| ≤ relative·max|expected| + absolute (by default
/// 1e-5·max|expected| + 1e-7, the single-op tolerance of the parity tier). On failure it reports
/// both shapes, the largest difference, the tolerance and the first differing values.
func assertClose(_ actual: Tensor?, _ expected: Tensor, _ label: String, relative: Double = 1e-5,
                 absolute: Double = 1e-7, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("\(label): no tensor (expected shape \(expected.shape))", sourceLocation: sourceLocation)
        return
    }
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars, e = expected.scalars
    let scale = e.reduce(0.0) { Swift.max($0, Double(Swift.abs($1))) }
    let tolerance = absolute + relative * scale
    var worst = 0.0
    var first: [String] = []
    for i in 0..<a.count {
        let difference = Swift.abs(Double(a[i]) - Double(e[i]))
        guard !(difference <= tolerance) else { continue }
        worst = Swift.max(worst, difference.isNaN ? .infinity : difference)
        if first.count < 4 { first.append("[\(i)] \(a[i]) vs \(e[i])") }
    }
    if !first.isEmpty {
        Issue.record("\(label): shape \(actual.shape), max |diff| \(worst) > tolerance \(tolerance) (max|ref| \(scale)); first differing: \(first.joined(separator: ", "))",
                     sourceLocation: sourceLocation)
    }
}

/// Checks ‖actual − expected‖₂ ≤ tolerance·‖expected‖₂ (the whole-model tier); on failure reports
/// the shapes, the relative error, the largest element difference and the first differing values.
func assertRelativeL2(_ actual: Tensor?, _ expected: Tensor, _ label: String, tolerance: Double = 1e-4,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual, actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.map { "\($0.shape)" } ?? "none"), expected \(expected.shape)",
                     sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars, e = expected.scalars
    var errorSquares = 0.0, referenceSquares = 0.0, worst = 0.0, worstIndex = 0
    for i in 0..<a.count {
        let difference = Double(a[i]) - Double(e[i])
        errorSquares += difference * difference
        referenceSquares += Double(e[i]) * Double(e[i])
        if !(Swift.abs(difference) <= worst) { worst = Swift.abs(difference); worstIndex = i }
    }
    let relativeError = errorSquares.squareRoot() / referenceSquares.squareRoot()
    if !(relativeError <= tolerance) {
        Issue.record("\(label): shape \(actual.shape), relative L2 error \(relativeError) > \(tolerance); max |diff| \(worst) at [\(worstIndex)]: \(a[worstIndex]) vs \(e[worstIndex])",
                     sourceLocation: sourceLocation)
    }
}
