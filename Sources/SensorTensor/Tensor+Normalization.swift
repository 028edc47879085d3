import Foundation

/// Fused layer and batch normalisation, each a forward kernel that saves per-row (per-channel)
/// mean and reciprocal standard deviation and a backward kernel that uses them.
///
/// Legend: R rows and D features (layer norm: the last axis); N samples, C channels, L positions
/// (batch norm, input [N, C] or [N, C, L]). x̂ = (x − mean)·rstd, rstd = 1/√(var + ε).
extension Tensor {
    /// Layer normalisation over the last axis: y = x̂·weight + bias with `weight`, `bias` [D] optional.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 1, "layerNorm: needs rank >= 1, got \(shape)")
        let d = shape[rank - 1]
        precondition(weight.map { $0.shape == [d] } ?? true && bias.map { $0.shape == [d] } ?? true,
                     "layerNorm: weight \(weight?.shape ?? []) and bias \(bias?.shape ?? []) must be [\(d)] for input \(shape)")
        let rows = d == 0 ? 0 : count / d
        let result = Tensor(uninitializedShape: shape)
        // Saved per row for the backward: mean and rstd.
        let statistics = Tensor(uninitializedShape: [rows, 2])
        let x = UnsafePointer(data), y = result.data, stats = statistics.data
        let w = weight.map { UnsafePointer($0.data) }, b = bias.map { UnsafePointer($0.data) }
        let perThread = Swift.max(1, 8_192 / Swift.max(d, 1))
        if d > 0 {
            Threading.parallelFor(rows, minimumPerThread: perThread) { range in
                for r in range {
                    let row = x + r * d, out = y + r * d
                    // Two passes (mean, then squared deviations) for accuracy; biased variance.
                    let mean = RowMath.sum(row, d) / Float(d)
                    for i in 0..<d { out[i] = row[i] - mean }
                    let variance = RowMath.dot(out, out, d) / Float(d)
                    let rstd = 1 / (variance + epsilon).squareRoot()
                    stats[2 * r] = mean
                    stats[2 * r + 1] = rstd
                    switch (w, b) {
                    case let (w?, b?): for i in 0..<d { out[i] = out[i] * rstd * w[i] + b[i] }
                    case let (w?, nil): for i in 0..<d { out[i] = out[i] * rstd * w[i] }
                    case let (nil, b?): for i in 0..<d { out[i] = out[i] * rstd + b[i] }
                    case (nil, nil): for i in 0..<d { out[i] *= rstd }
                    }
                }
            }
        }
        let input = self
        let recorded = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record(result, op: "layerNorm", inputs: recorded) { g in
            // Pointers re-derived from the captured tensors, which keeps their storage alive.
            let x = UnsafePointer(input.data), stats = UnsafePointer(statistics.data)
            let w = weight.map { UnsafePointer($0.data) }
            let dx = input.requiresGrad ? Tensor(uninitializedShape: input.shape) : nil
            let needParameters = (weight?.requiresGrad ?? false) || (bias?.requiresGrad ?? false)
            // Per-block partial sums of g·x̂ and g (block order fixed, so results are deterministic).
            let blockRows = 32
            let blocks = (rows + blockRows - 1) / blockRows
            let partials = needParameters ? Tensor.zeros([Swift.max(blocks, 1), 2, d]) : nil
            let gp = UnsafePointer(g.data), dxp = dx?.data, pp = partials?.data
            if d > 0 {
                Threading.parallelFor(blocks, minimumPerThread: Swift.max(1, perThread / blockRows)) { range in
                    let xhat = UnsafeMutablePointer<Float>.allocate(capacity: d)
                    let ghat = UnsafeMutablePointer<Float>.allocate(capacity: d)
                    defer { xhat.deallocate(); ghat.deallocate() }
                    for block in range {
                        for r in (block * blockRows)..<Swift.min(rows, (block + 1) * blockRows) {
                            let row = x + r * d, gr = gp + r * d
                            let mean = stats[2 * r], rstd = stats[2 * r + 1]
                            for i in 0..<d { xhat[i] = (row[i] - mean) * rstd }
                            if let pp {
                                // dweight += g·x̂, dbias += g
                                let dw = pp + block * 2 * d, db = dw + d
                                for i in 0..<d { dw[i] += gr[i] * xhat[i]; db[i] += gr[i] }
                            }
                            guard let dxp else { continue }
                            // ĝ = g·weight; dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))
                            if let w { for i in 0..<d { ghat[i] = gr[i] * w[i] } } else { ghat.update(from: gr, count: d) }
                            let meanG = RowMath.sum(ghat, d) / Float(d)
                            let meanGX = RowMath.dot(ghat, xhat, d) / Float(d)
                            let out = dxp + r * d
                            for i in 0..<d { out[i] = rstd * (ghat[i] - meanG - xhat[i] * meanGX) }
                        }
                    }
                }
            }
            var gradients: [Tensor?] = [dx]
            if let weight {
                gradients.append(weight.requiresGrad && partials != nil ? Tensor.sumBlocks(pp!, blocks: blocks, stride: 2 * d, count: d) : nil)
            }
            if let bias {
                gradients.append(bias.requiresGrad && partials != nil ? Tensor.sumBlocks(pp! + d, blocks: blocks, stride: 2 * d, count: d) : nil)
            }
            return gradients
        }
    }

    /// Batch normalisation per channel (PyTorch BatchNorm1d) for input [N, C] or [N, C, L], with
    /// `runningMean`, `runningVariance`, `weight`, `bias` all [C].
    ///
    /// Training normalises with the batch mean and biased variance over the N·L values of each
    /// channel and updates the running statistics in place: running = (1 − momentum)·running +
    /// momentum·batch, with the unbiased variance (·n/(n − 1)) as PyTorch does. Evaluation
    /// normalises with the running statistics and leaves them unchanged.
    public func batchNorm(runningMean: Tensor, runningVariance: Tensor, weight: Tensor?, bias: Tensor?,
                          training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank == 2 || rank == 3, "batchNorm: input must be [N, C] or [N, C, L], got \(shape)")
        let n = shape[0], c = shape[1], l = rank == 3 ? shape[2] : 1
        for (name, parameter) in [("runningMean", runningMean), ("runningVariance", runningVariance), ("weight", weight), ("bias", bias)] {
            if let parameter {
                precondition(parameter.shape == [c], "batchNorm: \(name) \(parameter.shape) must be [\(c)] for input \(shape)")
            }
        }
        let values = n * l
        precondition(!training || values > 1, "batchNorm: training needs more than one value per channel, input \(shape)")
        let result = Tensor(uninitializedShape: shape)
        // Saved per channel for the backward: mean and rstd actually used.
        let statistics = Tensor(uninitializedShape: [c, 2])
        let x = UnsafePointer(data), y = result.data, stats = statistics.data
        let w = weight.map { UnsafePointer($0.data) }, b = bias.map { UnsafePointer($0.data) }
        let runningM = runningMean.data, runningV = runningVariance.data
        let perThread = Swift.max(1, 8_192 / Swift.max(values, 1))
        Threading.parallelFor(c, minimumPerThread: perThread) { range in
            for channel in range {
                var mean: Float, rstd: Float
                if training {
                    var total: Float = 0
                    for s in 0..<n { total += RowMath.sum(x + (s * c + channel) * l, l) }
                    mean = total / Float(values)
                    var squares: Float = 0
                    for s in 0..<n {
                        let row = x + (s * c + channel) * l
                        for i in 0..<l { let centered = row[i] - mean; squares += centered * centered }
                    }
                    let variance = squares / Float(values)
                    rstd = 1 / (variance + epsilon).squareRoot()
                    runningM[channel] = (1 - momentum) * runningM[channel] + momentum * mean
                    runningV[channel] = (1 - momentum) * runningV[channel]
                        + momentum * variance * Float(values) / Float(values - 1)
                } else {
                    mean = runningM[channel]
                    rstd = 1 / (runningV[channel] + epsilon).squareRoot()
                }
                stats[2 * channel] = mean
                stats[2 * channel + 1] = rstd
                // y = x·scale + shift with scale = rstd·w, shift = b − mean·scale.
                let scale = rstd * (w?[channel] ?? 1)
                let shift = (b?[channel] ?? 0) - mean * scale
                for s in 0..<n {
                    let row = x + (s * c + channel) * l, out = y + (s * c + channel) * l
                    for i in 0..<l { out[i] = row[i] * scale + shift }
                }
            }
        }
        let input = self
        let recorded = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record(result, op: "batchNorm", inputs: recorded) { g in
            // Pointers re-derived from the captured tensors, which keeps their storage alive.
            let x = UnsafePointer(input.data), stats = UnsafePointer(statistics.data)
            let w = weight.map { UnsafePointer($0.data) }
            let dx = input.requiresGrad ? Tensor(uninitializedShape: input.shape) : nil
            // Per channel: Σ g·x̂ (dweight) and Σ g (dbias).
            let sums = Tensor(uninitializedShape: [2, c])
            let gp = UnsafePointer(g.data), dxp = dx?.data, sp = sums.data
            Threading.parallelFor(c, minimumPerThread: perThread) { range in
                for channel in range {
                    let mean = stats[2 * channel], rstd = stats[2 * channel + 1]
                    var sumG: Float = 0, sumGX: Float = 0
                    for s in 0..<n {
                        let row = x + (s * c + channel) * l, gr = gp + (s * c + channel) * l
                        for i in 0..<l { sumG += gr[i]; sumGX += gr[i] * (row[i] - mean) * rstd }
                    }
                    sp[channel] = sumGX
                    sp[c + channel] = sumG
                    guard let dxp else { continue }
                    let scale = rstd * (w?[channel] ?? 1)
                    // Training: dx = rstd·w·(g − mean(g) − x̂·mean(g·x̂)); evaluation: dx = rstd·w·g.
                    let meanG = training ? sumG / Float(values) : 0
                    let meanGX = training ? sumGX / Float(values) : 0
                    for s in 0..<n {
                        let offset = (s * c + channel) * l
                        let row = x + offset, gr = gp + offset, out = dxp + offset
                        for i in 0..<l { out[i] = scale * (gr[i] - meanG - (row[i] - mean) * rstd * meanGX) }
                    }
                }
            }
            var gradients: [Tensor?] = [dx]
            if let weight { gradients.append(weight.requiresGrad ? Tensor(shape: [c], scalars: Array(sums.scalars[0..<c])) : nil) }
            if let bias { gradients.append(bias.requiresGrad ? Tensor(shape: [c], scalars: Array(sums.scalars[c...])) : nil) }
            return gradients
        }
    }

    /// Σ over `blocks` of the `count` values starting at `base + block·stride`, in block order -> [count].
    private static func sumBlocks(_ base: UnsafePointer<Float>, blocks: Int, stride: Int, count: Int) -> Tensor {
        let result = Tensor.zeros([count])
        let out = result.data
        for block in 0..<blocks {
            let partial = base + block * stride
            for i in 0..<count { out[i] += partial[i] }
        }
        return result
    }
}
