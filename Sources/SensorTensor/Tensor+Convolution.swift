/// 1-D convolution (PyTorch `conv1d` semantics): im2col + one GEMM per (sample, group) in
/// general, a direct loop for depthwise convolutions.
///
/// Legend: N samples, Ci input channels, Co output channels, G groups, Cg = Ci/G input channels
/// and Og = Co/G output channels per group, K kernel taps, L input length, T output length,
/// s stride, p padding, d dilation. Output position t of tap k reads input position t·s − p + k·d.
extension Tensor {
    /// Convolves input [N, Ci, L] with `weight` [Co, Ci/G, K] and optional `bias` [Co] -> [N, Co, T]
    /// with T = ⌊(L + 2p − d·(K − 1) − 1)/s⌋ + 1.
    public func conv1d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                       dilation: Int = 1, groups: Int = 1) -> Tensor {
        precondition(rank == 3 && weight.rank == 3, "conv1d: input \(shape) must be [N, Cin, L] and weight \(weight.shape) [Cout, Cin/groups, K]")
        precondition(stride >= 1 && padding >= 0 && dilation >= 1 && groups >= 1,
                     "conv1d: stride \(stride), dilation \(dilation), groups \(groups) must be >= 1 and padding \(padding) >= 0")
        let geometry = ConvolutionGeometry(samples: shape[0], inputChannels: shape[1], length: shape[2],
                                           outputChannels: weight.shape[0], kernelSize: weight.shape[2], groups: groups,
                                           stride: stride, padding: padding, dilation: dilation)
        precondition(shape[1] % groups == 0 && weight.shape[0] % groups == 0 && weight.shape[1] == shape[1] / groups,
                     "conv1d: input \(shape) and weight \(weight.shape) do not fit \(groups) groups")
        precondition(weight.shape[2] >= 1 && shape[2] + 2 * padding - dilation * (weight.shape[2] - 1) - 1 >= 0, "conv1d: input \(shape) is too short for weight \(weight.shape) with padding \(padding), dilation \(dilation)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "conv1d: bias \(bias.shape) must be [\(weight.shape[0])]") }
        let result = Tensor(uninitializedShape: [geometry.samples, geometry.outputChannels, geometry.outputLength])
        if geometry.isDepthwise {
            geometry.depthwiseForward(x: data, w: weight.data, bias: bias?.data, y: result.data)
        } else {
            geometry.gemmForward(x: data, w: weight.data, bias: bias?.data, y: result.data)
        }
        let input = self
        let recorded = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.record(result, op: "conv1d", inputs: recorded) { g in
            let dx = input.requiresGrad ? Tensor.zeros(input.shape) : nil
            let dw = weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
            if geometry.isDepthwise {
                geometry.depthwiseBackward(x: input.data, w: weight.data, g: g.data, dx: dx?.data, dw: dw?.data)
            } else {
                geometry.gemmBackward(x: input.data, w: weight.data, g: g.data, dx: dx?.data, dw: dw?.data)
            }
            var gradients: [Tensor?] = [dx, dw]
            if let bias {
                // dbias[o] = Σ_n Σ_t G[n, o, t]: rows of length T, one per (n, o).
                gradients.append(bias.requiresGrad ? geometry.biasGradient(g: g.data) : nil)
            }
            return gradients
        }
    }
}

/// Sizes of one convolution and its kernels; a value type so backward closures capture it cheaply.
struct ConvolutionGeometry {
    let samples, inputChannels, length, outputChannels, kernelSize, groups, stride, padding, dilation: Int
    let outputLength: Int

    init(samples: Int, inputChannels: Int, length: Int, outputChannels: Int, kernelSize: Int, groups: Int,
         stride: Int, padding: Int, dilation: Int) {
        self.samples = samples; self.inputChannels = inputChannels; self.length = length
        self.outputChannels = outputChannels; self.kernelSize = kernelSize; self.groups = groups
        self.stride = stride; self.padding = padding; self.dilation = dilation
        outputLength = (length + 2 * padding - dilation * (kernelSize - 1) - 1) / stride + 1
    }

    var channelsPerGroup: Int { inputChannels / groups }
    var outputsPerGroup: Int { outputChannels / groups }
    /// One input channel per group (Co = multiplier·Ci): the student model's main op.
    var isDepthwise: Bool { groups == inputChannels && groups > 1 }
    /// Rows of the im2col matrix: Cg·K.
    var columnRows: Int { channelsPerGroup * kernelSize }

    /// Output positions t whose tap k lands inside the input: t·s − p + k·d ∈ [0, L).
    @inline(__always)
    func validOutputs(tap k: Int) -> Range<Int> {
        let shift = k * dilation - padding
        // first t with t·s + shift >= 0, last t with t·s + shift <= L − 1
        let first = shift >= 0 ? 0 : (-shift + stride - 1) / stride
        let limit = length - 1 - shift
        let last = limit < 0 ? -1 : Swift.min(outputLength - 1, limit / stride)
        return first <= last ? first..<(last + 1) : 0..<0
    }

    /// col[(c·K + k), t] = x[c, t·s − p + k·d] (0 outside), for the Cg channels at `x` -> [Cg·K, T].
    func im2col(_ x: UnsafePointer<Float>, into column: UnsafeMutablePointer<Float>) {
        for c in 0..<channelsPerGroup {
            let channel = x + c * length
            for k in 0..<kernelSize {
                let row = column + (c * kernelSize + k) * outputLength
                let valid = validOutputs(tap: k)
                let shift = k * dilation - padding
                for t in 0..<valid.lowerBound { row[t] = 0 }
                // Offsets go through the shifted base pointer and wrapping index arithmetic so the
                // loops carry no overflow checks and vectorise.
                let source = channel + shift
                if stride == 1 {
                    for t in valid { row[t] = source[t] }
                } else {
                    for t in valid { row[t] = source[t &* stride] }
                }
                for t in valid.upperBound..<outputLength { row[t] = 0 }
            }
        }
    }

    /// dx[c, t·s − p + k·d] += dcol[(c·K + k), t]: the adjoint of `im2col`.
    func col2im(_ column: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        for c in 0..<channelsPerGroup {
            let channel = dx + c * length
            for k in 0..<kernelSize {
                let row = column + (c * kernelSize + k) * outputLength
                let target = channel + (k * dilation - padding)
                for t in validOutputs(tap: k) { target[t &* stride] += row[t] }
            }
        }
    }

    /// Y[n, group] [Og, T] = W[group] [Og, Cg·K] · col(X[n, group]) [Cg·K, T] (+ bias pre-filled, beta 1).
    func gemmForward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let column = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(columnRows * outputLength, 1))
        defer { column.deallocate() }
        for n in 0..<samples {
            let out = y + n * outputChannels * outputLength
            if let bias {
                for o in 0..<outputChannels { (out + o * outputLength).initialize(repeating: bias[o], count: outputLength) }
            }
            for group in 0..<groups {
                im2col(x + (n * inputChannels + group * channelsPerGroup) * length, into: column)
                BLAS.sgemm(transposeA: false, transposeB: false, m: outputsPerGroup, n: outputLength, k: columnRows,
                           a: w + group * outputsPerGroup * columnRows, lda: columnRows,
                           b: column, ldb: outputLength, beta: bias == nil ? 0 : 1,
                           c: out + group * outputsPerGroup * outputLength, ldc: outputLength)
            }
        }
    }

    /// Per (n, group): dW[group] += G [Og, T] · colᵀ [T, Cg·K]; dcol = W[group]ᵀ [Cg·K, Og] · G [Og, T],
    /// scattered back into dx by `col2im`. Accumulation runs over n in order (deterministic).
    func gemmBackward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, g: UnsafePointer<Float>,
                      dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let size = Swift.max(columnRows * outputLength, 1)
        let column = UnsafeMutablePointer<Float>.allocate(capacity: size)
        let columnGradient = UnsafeMutablePointer<Float>.allocate(capacity: size)
        defer { column.deallocate(); columnGradient.deallocate() }
        for n in 0..<samples {
            for group in 0..<groups {
                let xGroup = x + (n * inputChannels + group * channelsPerGroup) * length
                let gGroup = g + (n * outputChannels + group * outputsPerGroup) * outputLength
                let wGroup = w + group * outputsPerGroup * columnRows
                if let dw {
                    im2col(xGroup, into: column)
                    BLAS.sgemm(transposeA: false, transposeB: true, m: outputsPerGroup, n: columnRows, k: outputLength,
                               a: gGroup, lda: outputLength, b: column, ldb: outputLength,
                               beta: 1, c: dw + group * outputsPerGroup * columnRows, ldc: columnRows)
                }
                if let dx {
                    BLAS.sgemm(transposeA: true, transposeB: false, m: columnRows, n: outputLength, k: outputsPerGroup,
                               a: wGroup, lda: columnRows, b: gGroup, ldb: outputLength,
                               c: columnGradient, ldc: outputLength)
                    col2im(columnGradient, into: dx + (n * inputChannels + group * channelsPerGroup) * length)
                }
            }
        }
    }

    /// Depthwise: Y[n, o, t] = bias[o] + Σ_k W[o, 0, k] · X[n, o / M, t·s − p + k·d], M = Co/Ci.
    /// Parallel over (n, o) rows; each tap is one vectorisable pass over the valid outputs.
    func depthwiseForward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let multiplier = outputsPerGroup
        Threading.parallelFor(samples * outputChannels, minimumPerThread: Swift.max(1, 4_096 / Swift.max(outputLength * kernelSize, 1))) { range in
            for pair in range {
                let n = pair / outputChannels, o = pair % outputChannels
                let channel = x + (n * inputChannels + o / multiplier) * length
                let out = y + pair * outputLength, taps = w + o * kernelSize
                out.initialize(repeating: bias?[o] ?? 0, count: outputLength)
                for k in 0..<kernelSize {
                    let tap = taps[k], source = channel + (k * dilation - padding)
                    if stride == 1 {
                        for t in validOutputs(tap: k) { out[t] += tap * source[t] }
                    } else {
                        for t in validOutputs(tap: k) { out[t] += tap * source[t &* stride] }
                    }
                }
            }
        }
    }

    /// Depthwise backward. dW[o, k] = Σ_n Σ_t G[n, o, t]·X[n, o/M, t·s − p + k·d], parallel over o;
    /// dX[n, c, ·] gathers the M outputs o of channel c, parallel over (n, c). Both fixed order.
    func depthwiseBackward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, g: UnsafePointer<Float>,
                           dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let multiplier = outputsPerGroup
        let work = Swift.max(1, 4_096 / Swift.max(outputLength * kernelSize * samples, 1))
        if let dw {
            Threading.parallelFor(outputChannels, minimumPerThread: work) { range in
                for o in range {
                    for k in 0..<kernelSize {
                        let shift = k * dilation - padding
                        var total: Float = 0
                        for n in 0..<samples {
                            let channel = x + (n * inputChannels + o / multiplier) * length
                            let gr = g + (n * outputChannels + o) * outputLength
                            let valid = validOutputs(tap: k)
                            if stride == 1 {
                                total += RowMath.dot(gr + valid.lowerBound, channel + valid.lowerBound + shift, valid.count)
                            } else {
                                let source = channel + shift
                                for t in valid { total += gr[t] * source[t &* stride] }
                            }
                        }
                        dw[o * kernelSize + k] = total
                    }
                }
            }
        }
        guard let dx else { return }
        Threading.parallelFor(samples * inputChannels, minimumPerThread: work) { range in
            for pair in range {
                let n = pair / inputChannels, c = pair % inputChannels
                let target = dx + pair * length
                for o in (c * multiplier)..<((c + 1) * multiplier) {
                    let gr = g + (n * outputChannels + o) * outputLength
                    for k in 0..<kernelSize {
                        let tap = w[o * kernelSize + k], shifted = target + (k * dilation - padding)
                        if stride == 1 {
                            for t in validOutputs(tap: k) { shifted[t] += tap * gr[t] }
                        } else {
                            for t in validOutputs(tap: k) { shifted[t &* stride] += tap * gr[t] }
                        }
                    }
                }
            }
        }
    }

    /// dbias [Co] = Σ_n Σ_t G[n, o, t].
    func biasGradient(g: UnsafePointer<Float>) -> Tensor {
        let result = Tensor.zeros([outputChannels])
        let out = result.data
        for n in 0..<samples {
            for o in 0..<outputChannels {
                out[o] += RowMath.sum(g + (n * outputChannels + o) * outputLength, outputLength)
            }
        }
        return result
    }
}
