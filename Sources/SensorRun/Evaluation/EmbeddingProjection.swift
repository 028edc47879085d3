import Foundation
import SafeTensors
import SensorReport
import SensorTensor

/// The 2-D PCA map of an `embeddings.safetensors`: the embeddings are centred, their covariance is
/// decomposed with LAPACK (`LinearAlgebra.symmetricEigen`), and each window is projected onto the two
/// leading eigenvectors, coloured by its activity class (or the file's first class label).
enum EmbeddingProjection {
    /// The map and a warning when the file cannot give one (too few windows, no class label).
    static func map(_ url: URL, title: String) throws -> (EmbeddingMap?, String?) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw RunError.notARun(path: url.path, "not a readable embeddings file: \(error)")
        }
        guard let entry = file["embeddings"], entry.shape.count == 2 else {
            throw RunError.notARun(path: url.path, "has no 2-D 'embeddings' entry")
        }
        let (count, width) = (entry.shape[0], entry.shape[1])
        guard count >= 3, width >= 2 else { return (nil, "\(count) embeddings of width \(width) are too few for a PCA map") }
        let labelNames = file.names.filter { $0.hasPrefix("label.") && file[$0]?.dtype == .I64 }.sorted()
        guard let labelKey = labelNames.contains("label.activity") ? "label.activity" : labelNames.first else {
            return (nil, "the embeddings carry no class label to colour the map by")
        }
        let classes = try file[labelKey]!.int64s()
        let classNames = file.metadata["\(labelKey).classes"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        let (first, second, shares) = project(try entry.floats(), count: count, width: width)
        let points = (0..<count).map { row -> EmbeddingMap.Point in
            let index = Int(classes[row])
            let label = index < 0 ? "unlabelled" : index < classNames.count ? classNames[index] : "class \(index)"
            return EmbeddingMap.Point(x: first[row], y: second[row], label: label)
        }
        let axis = { (number: Int, share: Double) in String(format: "PC %d (%.1f %% of variance)", number, share * 100) }
        return (EmbeddingMap(title: "\(title), by \(labelKey.dropFirst(6))", xAxisTitle: axis(1, shares.0), yAxisTitle: axis(2, shares.1),
                             points: points), nil)
    }

    /// Scores on the two leading principal axes and their shares of the total variance. Each axis's
    /// sign is fixed so its largest-magnitude loading is positive (LAPACK's sign is arbitrary).
    static func project(_ values: [Float], count: Int, width: Int) -> ([Double], [Double], (Double, Double)) {
        var means = [Double](repeating: 0, count: width)
        for row in 0..<count { for column in 0..<width { means[column] += Double(values[row * width + column]) } }
        for column in 0..<width { means[column] /= Double(count) }
        var covariance = [Double](repeating: 0, count: width * width)
        for row in 0..<count {
            for i in 0..<width {
                let a = Double(values[row * width + i]) - means[i]
                for j in i..<width { covariance[i * width + j] += a * (Double(values[row * width + j]) - means[j]) }
            }
        }
        for i in 0..<width { for j in i..<width { covariance[i * width + j] /= Double(count - 1); covariance[j * width + i] = covariance[i * width + j] } }
        let (eigenvalues, eigenvectors) = LinearAlgebra.symmetricEigen(Tensor(shape: [width, width], scalars: covariance.map(Float.init)))
        let lambda = eigenvalues.scalars.map(Double.init), vectors = eigenvectors.scalars
        let total = max(lambda.reduce(0) { $0 + max($1, 0) }, .leastNonzeroMagnitude)
        func axis(_ column: Int) -> [Double] {
            var loading = (0..<width).map { Double(vectors[$0 * width + column]) }
            if let largest = loading.max(by: { abs($0) < abs($1) }), largest < 0 { loading = loading.map { -$0 } }
            return (0..<count).map { row in (0..<width).reduce(0) { $0 + (Double(values[row * width + $1]) - means[$1]) * loading[$1] } }
        }
        return (axis(width - 1), axis(width - 2), (max(lambda[width - 1], 0) / total, max(lambda[width - 2], 0) / total))
    }
}
