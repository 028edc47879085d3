import Foundation

/// Neural-network ops: normalised exponentials, normalisation, convolution, pooling, embedding.
///
/// Legend as in the engine: N samples, C channels, L length, K kernel size, D features.
extension DoubleReference {
    /// e^xᵢ / Σⱼ e^xⱼ along `axis`, with the maximum subtracted first.
    static func softmax(_ x: DoubleTensor, axis: Int = -1) -> DoubleTensor {
        logSoftmax(x, axis: axis).map(Foundation.exp)
    }

    /// xᵢ − max − log Σⱼ e^(xⱼ − max) along `axis`.
    static func logSoftmax(_ x: DoubleTensor, axis: Int = -1) -> DoubleTensor {
        let a = x.axis(axis)
        return DoubleTensor(shape: x.shape) { index in
            var line = index
            let row = (0..<x.shape[a]).map { position -> Double in line[a] = position; return x[line] }
            let top = row.max()!
            return x[index] - top - Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
        }
    }

    /// (x − mean)/√(var + ε)·weight + bias over the last axis (biased variance).
    static func layerNorm(_ x: DoubleTensor, weight: DoubleTensor?, bias: DoubleTensor?, epsilon: Double = 1e-5) -> DoubleTensor {
        let d = x.shape[x.rank - 1]
        var values = x.values
        for start in stride(from: 0, to: x.count, by: d) {
            let row = x.values[start..<(start + d)]
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
            for j in 0..<d {
                let normalised = (row[start + j] - mean) / (variance + epsilon).squareRoot()
                values[start + j] = normalised * (weight?.values[j] ?? 1) + (bias?.values[j] ?? 0)
            }
        }
        return DoubleTensor(shape: x.shape, values: values)
    }

    /// BatchNorm1d over x [N, C] or [N, C, L]: per channel, the batch mean and biased variance over
    /// its N·L values in training, the given running statistics in evaluation.
    static func batchNorm(_ x: DoubleTensor, weight: DoubleTensor?, bias: DoubleTensor?,
                          running: (mean: DoubleTensor, variance: DoubleTensor)?, epsilon: Double = 1e-5) -> DoubleTensor {
        let channels = x.shape[1]
        var statistics: [(mean: Double, variance: Double)] = []
        for c in 0..<channels {
            if let running {
                statistics.append((running.mean.values[c], running.variance.values[c]))
                continue
            }
            let group = (0..<x.count).filter { x.index($0)[1] == c }.map { x.values[$0] }
            let mean = group.reduce(0, +) / Double(group.count)
            statistics.append((mean, group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(group.count)))
        }
        return DoubleTensor(shape: x.shape) { index in
            let c = index[1], (mean, variance) = statistics[c]
            return (x[index] - mean) / (variance + epsilon).squareRoot() * (weight?.values[c] ?? 1) + (bias?.values[c] ?? 0)
        }
    }

    /// Cross-correlation of x [N, Cin, L] with weight [Cout, Cin/groups, K] (+ bias [Cout]):
    /// y[n, o, t] = b[o] + Σ_c Σ_k w[o, c, k]·x[n, g·Cin/groups + c, t·stride − padding + k·dilation],
    /// zero outside the signal, g the group of output channel o.
    static func conv1d(_ x: DoubleTensor, weight: DoubleTensor, bias: DoubleTensor?,
                       stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) -> DoubleTensor {
        let (n, inputChannels, l) = (x.shape[0], x.shape[1], x.shape[2])
        let (outputChannels, groupChannels, k) = (weight.shape[0], weight.shape[1], weight.shape[2])
        let outputLength = (l + 2 * padding - dilation * (k - 1) - 1) / stride + 1
        let outputsPerGroup = outputChannels / groups
        precondition(groupChannels * groups == inputChannels)
        return DoubleTensor(shape: [n, outputChannels, outputLength]) { index in
            let (sample, o, t) = (index[0], index[1], index[2])
            var total = bias?.values[o] ?? 0
            for c in 0..<groupChannels {
                for tap in 0..<k {
                    let position = t * stride - padding + tap * dilation
                    guard (0..<l).contains(position) else { continue }
                    total += weight[[o, c, tap]] * x[[sample, (o / outputsPerGroup) * groupChannels + c, position]]
                }
            }
            return total
        }
    }

    /// Windows [t·stride − padding, … + K) over the last axis; `reduce` sees the window's in-signal values.
    private static func pool1d(_ x: DoubleTensor, kernelSize: Int, stride: Int?, padding: Int,
                               _ reduce: ([Double]) -> Double) -> DoubleTensor {
        let l = x.shape[x.rank - 1], step = stride ?? kernelSize
        let outputLength = (l + 2 * padding - kernelSize) / step + 1
        return DoubleTensor(shape: Array(x.shape.dropLast()) + [outputLength]) { index in
            let start = index[index.count - 1] * step - padding
            var source = index
            let window = (start..<(start + kernelSize)).filter { (0..<l).contains($0) }.map { position -> Double in
                source[source.count - 1] = position
                return x[source]
            }
            return reduce(window)
        }
    }

    /// Window sums over K (padded positions count as zeros).
    static func avgPool1d(_ x: DoubleTensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> DoubleTensor {
        pool1d(x, kernelSize: kernelSize, stride: stride, padding: padding) { $0.reduce(0, +) / Double(kernelSize) }
    }

    /// Window maxima (padding never wins).
    static func maxPool1d(_ x: DoubleTensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> DoubleTensor {
        pool1d(x, kernelSize: kernelSize, stride: stride, padding: padding) { $0.max()! }
    }

    /// Rows `indices` of weight [V, D], laid out as indexShape + [D].
    static func embedding(weight: DoubleTensor, indices: [Int], indexShape: [Int]) -> DoubleTensor {
        let d = weight.shape[1]
        return DoubleTensor(shape: indexShape + [d], values: indices.flatMap { weight.values[($0 * d)..<(($0 + 1) * d)] })
    }
}
