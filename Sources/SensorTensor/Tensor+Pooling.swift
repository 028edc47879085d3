/// 1-D average and max pooling over the last axis (PyTorch `avg_pool1d` with count_include_pad
/// and `max_pool1d`, floor mode).
///
/// Legend: R rows (every leading axis, usually N·C), L input length, K kernel size, s stride,
/// p padding, T = ⌊(L + 2p − K)/s⌋ + 1 output length. Window t covers input positions
/// [t·s − p, t·s − p + K).
extension Tensor {
    /// Mean of each window; padded positions count as zeros (divisor always K). [..., L] -> [..., T].
    public func avgPool1d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        let window = PoolingWindow(op: "avgPool1d", shape: shape, kernelSize: kernelSize, stride: stride, padding: padding)
        let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [window.outputLength])
        let x = UnsafePointer(data), y = result.data
        let l = window.length, t = window.outputLength, inverse = 1 / Float(kernelSize)
        Threading.parallelFor(window.rows, minimumPerThread: window.rowsPerThread) { range in
            for r in range {
                let row = x + r * l, out = y + r * t
                for position in 0..<t {
                    let span = window.span(position)
                    var total: Float = 0
                    for i in span { total += row[i] }
                    out[position] = total * inverse
                }
            }
        }
        let inputShape = shape
        return Tensor.record(result, op: "avgPool1d", inputs: [self]) { g in
            // dx[i] = Σ over windows covering i of g[t] / K
            let dx = Tensor.zeros(inputShape)
            let gp = UnsafePointer(g.data), dxp = dx.data
            Threading.parallelFor(window.rows, minimumPerThread: window.rowsPerThread) { range in
                for r in range {
                    let gr = gp + r * t, target = dxp + r * l
                    for position in 0..<t {
                        let share = gr[position] * inverse
                        for i in window.span(position) { target[i] += share }
                    }
                }
            }
            return [dx]
        }
    }

    /// Maximum of each window (padding never wins). [..., L] -> [..., T]. The backward routes each
    /// output's gradient to the first position holding its maximum.
    public func maxPool1d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        let window = PoolingWindow(op: "maxPool1d", shape: shape, kernelSize: kernelSize, stride: stride, padding: padding)
        let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [window.outputLength])
        let x = UnsafePointer(data), y = result.data
        let l = window.length, t = window.outputLength
        // Position of each output's maximum within its row, saved for the backward.
        var argmax = [Int32](repeating: 0, count: window.rows * t)
        argmax.withUnsafeMutableBufferPointer { buffer in
            let indices = buffer.baseAddress!
            Threading.parallelFor(window.rows, minimumPerThread: window.rowsPerThread) { range in
                for r in range {
                    let row = x + r * l, out = y + r * t, best = indices + r * t
                    for position in 0..<t {
                        let span = window.span(position)
                        var index = span.lowerBound, value = row[index]
                        for i in span.dropFirst() where row[i] > value || row[i].isNaN {
                            index = i
                            value = row[i]
                            if value.isNaN { break }
                        }
                        out[position] = value
                        best[position] = Int32(index)
                    }
                }
            }
        }
        let inputShape = shape
        let saved = argmax
        return Tensor.record(result, op: "maxPool1d", inputs: [self]) { g in
            let dx = Tensor.zeros(inputShape)
            let gp = UnsafePointer(g.data), dxp = dx.data
            saved.withUnsafeBufferPointer { indices in
                let best = indices.baseAddress!
                Threading.parallelFor(window.rows, minimumPerThread: window.rowsPerThread) { range in
                    for r in range {
                        let gr = gp + r * t, target = dxp + r * l, rowBest = best + r * t
                        for position in 0..<t { target[Int(rowBest[position])] += gr[position] }
                    }
                }
            }
            return [dx]
        }
    }
}

/// Window geometry shared by the pooling ops, checked once with the op's name in messages.
struct PoolingWindow {
    let rows, length, outputLength, kernelSize, stride, padding: Int

    init(op: String, shape: [Int], kernelSize: Int, stride: Int?, padding: Int) {
        precondition(!shape.isEmpty, "\(op): needs an input of rank >= 1, got \(shape)")
        let step = stride ?? kernelSize
        precondition(kernelSize >= 1 && step >= 1, "\(op): kernel size \(kernelSize) and stride \(step) must be >= 1 (input \(shape))")
        precondition(padding >= 0 && 2 * padding <= kernelSize,
                     "\(op): padding \(padding) must be in 0...kernelSize/2 = \(kernelSize / 2) (input \(shape))")
        length = shape[shape.count - 1]
        precondition(length + 2 * padding >= kernelSize,
                     "\(op): input \(shape) with padding \(padding) is shorter than kernel size \(kernelSize)")
        rows = Shape.count(Array(shape.dropLast()))
        outputLength = (length + 2 * padding - kernelSize) / step + 1
        self.kernelSize = kernelSize
        self.stride = step
        self.padding = padding
    }

    /// Rows per thread so a chunk holds a few thousand window elements.
    var rowsPerThread: Int { Swift.max(1, 8_192 / Swift.max(outputLength * kernelSize, 1)) }

    /// Input positions of window `position` that fall inside the row (never empty: 2p ≤ K).
    @inline(__always)
    func span(_ position: Int) -> Range<Int> {
        let start = position * stride - padding
        return Swift.max(start, 0)..<Swift.min(start + kernelSize, length)
    }
}
