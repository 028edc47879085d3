/// The fused affine map of a dense layer, forward and backward as single GEMMs.
///
/// Legend: R = product of the leading axes (rows), I = input features, O = output features.
extension Tensor {
    /// x[..., I] · weightᵀ + bias -> [..., O], with `weight` [O, I] (PyTorch layout) and `bias` [O].
    ///
    /// Forward: the output is pre-filled with the bias rows and one GEMM over all R rows adds
    /// x·Wᵀ into it (beta = 1), so the bias costs no extra pass over the result.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(rank >= 1 && weight.rank == 2 && shape[rank - 1] == weight.shape[1],
                     "linear: input \(shape) needs last axis equal to weight [out, in] \(weight.shape)")
        let inputs = weight.shape[1], outputs = weight.shape[0]
        if let bias {
            precondition(bias.shape == [outputs], "linear: bias \(bias.shape) must be [\(outputs)] for weight \(weight.shape)")
        }
        let leading = Array(shape.dropLast())
        let rows = Shape.count(leading)
        // With no input features the product is empty: start from zeros rather than from garbage.
        let result = inputs == 0 ? Tensor.zeros(leading + [outputs]) : Tensor(uninitializedShape: leading + [outputs])
        let y = result.data
        if let bias {
            // Broadcast the bias down the rows; the GEMM then accumulates on top of it.
            let b = UnsafePointer(bias.data)
            Threading.parallelFor(rows, minimumPerThread: Swift.max(1, 32_768 / Swift.max(outputs, 1))) { range in
                for r in range { (y + r * outputs).update(from: b, count: outputs) }
            }
        }
        BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs,
                   a: data, lda: inputs, b: weight.data, ldb: inputs,
                   beta: bias == nil ? 0 : 1, c: y, ldc: outputs)
        let x = self
        let recordedInputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return Tensor.record(result, op: "linear", inputs: recordedInputs) { g in
            // G [R, O]
            var gradients: [Tensor?] = []
            if x.requiresGrad {
                // dX [R, I] = G [R, O] · W [O, I]
                let dx = Tensor(uninitializedShape: x.shape)
                BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: inputs, k: outputs,
                           a: g.data, lda: outputs, b: weight.data, ldb: inputs, c: dx.data, ldc: inputs)
                gradients.append(dx)
            } else {
                gradients.append(nil)
            }
            if weight.requiresGrad {
                // dW [O, I] = Gᵀ [O, R] · X [R, I], one GEMM over every row.
                let dw = Tensor(uninitializedShape: weight.shape)
                BLAS.sgemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: rows,
                           a: g.data, lda: outputs, b: x.data, ldb: inputs, c: dw.data, ldc: inputs)
                gradients.append(dw)
            } else {
                gradients.append(nil)
            }
            if let bias {
                gradients.append(bias.requiresGrad ? g.columnSums(rows: rows, columns: outputs) : nil)
            }
            return gradients
        }
    }

    /// Sums of this tensor viewed as [rows, columns] over its rows -> [columns].
    ///
    /// Rows are added in fixed blocks whose partial sums are combined in block order, so the result
    /// does not depend on the thread count; each row add runs along contiguous memory.
    func columnSums(rows: Int, columns: Int) -> Tensor {
        let result = Tensor.zeros([columns])
        guard rows > 0, columns > 0 else { return result }
        let blockRows = 64
        let blocks = (rows + blockRows - 1) / blockRows
        let source = UnsafePointer(data), total = result.data
        if blocks == 1 {
            for r in 0..<rows {
                let row = source + r * columns
                for c in 0..<columns { total[c] += row[c] }
            }
            return result
        }
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: blocks * columns)
        defer { partials.deallocate() }
        Threading.parallelFor(blocks, minimumPerThread: Swift.max(1, 16_384 / (blockRows * columns))) { range in
            for block in range {
                let partial = partials + block * columns
                partial.initialize(repeating: 0, count: columns)
                for r in (block * blockRows)..<Swift.min(rows, (block + 1) * blockRows) {
                    let row = source + r * columns
                    for c in 0..<columns { partial[c] += row[c] }
                }
            }
        }
        for block in 0..<blocks {
            let partial = partials + block * columns
            for c in 0..<columns { total[c] += partial[c] }
        }
        return result
    }
}
