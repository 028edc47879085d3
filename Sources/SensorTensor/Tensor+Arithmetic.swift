/// Broadcasting binary arithmetic: add, sub, mul, div, with their gradients.
extension Tensor {
    /// Applies `kernel` over broadcast operands. `kernel(a, strideA, b, strideB, out, n)` handles one
    /// innermost run; strides are 0 (broadcast) or 1. Kernels branch to a unit-stride loop for the
    /// common both-contiguous case: with the strides as runtime values LLVM does not vectorise
    /// `x[i * sx]`, and same-shape adds (residuals, gradient accumulation) are hot.
    static func broadcastBinary(_ a: Tensor, _ b: Tensor, op: String,
                                kernel: (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape, op: op)
        let result = Tensor(uninitializedShape: shape)
        let pa = UnsafePointer(a.data), pb = UnsafePointer(b.data), out = result.data
        if a.shape == b.shape {
            Threading.parallelFor(result.count, minimumPerThread: 1 << 15) { range in
                kernel(pa + range.lowerBound, 1, pb + range.lowerBound, 1, out + range.lowerBound, range.count)
            }
            return result
        }
        BroadcastWalk(outputShape: shape, operandShapes: [a.shape, b.shape]).forEachRow { offset, offsets, length, strides in
            kernel(pa + offsets[0], strides[0], pb + offsets[1], strides[1], out + offset, length)
        }
        return result
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, op: "add") { x, sx, y, sy, o, n in
            if sx == 1 && sy == 1 { for i in 0..<n { o[i] = x[i] + y[i] } } else { for i in 0..<n { o[i] = x[i * sx] + y[i * sy] } }
        }
        let shapeA = a.shape, shapeB = b.shape
        return record(out, op: "add", inputs: [a, b]) { g in
            [g.sumToShape(shapeA), g.sumToShape(shapeB)]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, op: "sub") { x, sx, y, sy, o, n in
            if sx == 1 && sy == 1 { for i in 0..<n { o[i] = x[i] - y[i] } } else { for i in 0..<n { o[i] = x[i * sx] - y[i * sy] } }
        }
        let shapeA = a.shape, shapeB = b.shape, needsB = b.requiresGrad
        return record(out, op: "sub", inputs: [a, b]) { g in
            [g.sumToShape(shapeA), needsB ? (-g).sumToShape(shapeB) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, op: "mul") { x, sx, y, sy, o, n in
            if sx == 1 && sy == 1 { for i in 0..<n { o[i] = x[i] * y[i] } } else { for i in 0..<n { o[i] = x[i * sx] * y[i * sy] } }
        }
        return record(out, op: "mul", inputs: [a, b]) { g in
            [a.requiresGrad ? (g * b).sumToShape(a.shape) : nil,
             b.requiresGrad ? (g * a).sumToShape(b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, op: "div") { x, sx, y, sy, o, n in
            if sx == 1 && sy == 1 { for i in 0..<n { o[i] = x[i] / y[i] } } else { for i in 0..<n { o[i] = x[i * sx] / y[i * sy] } }
        }
        return record(out, op: "div", inputs: [a, b]) { g in
            // d(a/b)/da = 1/b; d(a/b)/db = -a/b²
            [a.requiresGrad ? (g / b).sumToShape(a.shape) : nil,
             b.requiresGrad ? (-(g * a) / (b * b)).sumToShape(b.shape) : nil]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: a.shape)
        let x = a.data, o = result.data
        for i in 0..<a.count { o[i] = -x[i] }
        return record(result, op: "neg", inputs: [a]) { g in [-g] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
}
