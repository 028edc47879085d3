import Foundation
import SensorTensor

extension EdgeSelfCheck {
    /// Writes the C export of a quantized graph plus its check harness (`sensorfm_check.c`, `host_main.c`)
    /// into `directory`: `raw` windows go through `sensorfm_infer` with a normalisation fitted to them, `int8`
    /// samples through `sensorfm_infer_int8`; the harness compares both with the Swift integer runtime.
    public static func writeCExport(graph: EdgeGraph, raw: [[[Float]]], int8: [[[Int8]]], to directory: URL) throws {
        let normalization = InputNormalization.fitted(to: raw, graph: graph)
        var files = CExport.sources(graph: graph, normalization: normalization)
        files.append(("sensorfm_check.c", CExport.checkHarness(graph: graph, normalization: normalization, raw: raw, int8: int8)))
        files.append(("host_main.c", CExport.hostMain))
        try CExport.write(files, to: directory)
    }

    /// The C export and check harness of the seeded random student: `sampleCount` synthetic raw windows and as
    /// many int8 test inputs.
    public static func writeStudentCExport(to directory: URL, configuration: StudentConfiguration = StudentConfiguration(),
                                           seed: UInt64 = 7, sampleCount: Int) throws {
        let graph = quantizedStudent(configuration: configuration, seed: seed)
        var generator = RandomGenerator(seed: seed &+ 3)
        let raw = syntheticWindows(configuration: configuration, count: sampleCount, generator: &generator)
        try writeCExport(graph: graph, raw: raw, int8: testInputs(for: graph, configuration: configuration, count: sampleCount, seed: seed),
                         to: directory)
    }
}
