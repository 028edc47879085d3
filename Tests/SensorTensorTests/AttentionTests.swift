import Foundation
import Testing
@testable import SensorTensor

@Suite struct AttentionTests {
    @Test func singleQueryByHand() {
        // q = 1, keys 0 and ln 2, scale 1: P = [1/3, 2/3]; values 3 and 6: O = 1 + 4 = 5.
        let q = Tensor(shape: [1, 1, 1, 1], scalars: [1])
        let k = Tensor(shape: [1, 1, 2, 1], scalars: [0, Float(Foundation.log(2.0))])
        let v = Tensor(shape: [1, 1, 2, 1], scalars: [3, 6])
        expectClose(Tensor.scaledDotProductAttention(query: q, key: k, value: v, scale: 1),
                    Tensor(shape: [1, 1, 1, 1], scalars: [5]), relative: 1e-6, "attention")
    }

    /// The Double reference, rounded to Float32 for `expectClose`.
    func referenceAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor?, scale: Double) -> Tensor {
        DoubleReference.scaledDotProductAttention(query: DoubleTensor(q), key: DoubleTensor(k), value: DoubleTensor(v),
                                                  mask: mask.map(DoubleTensor.init), scale: scale).tensor
    }

    /// Causal mask [T, S] with −∞ above the diagonal.
    func causalMask(_ t: Int) -> Tensor {
        Tensor(shape: [t, t], scalars: (0..<(t * t)).map { $0 % t > $0 / t ? -Float.infinity : 0 })
    }

    @Test func matchesExplicitPerHeadLoops() {
        var generator = RandomGenerator(seed: 81)
        let q = Tensor.normal([2, 3, 4, 5], generator: &generator)
        let k = Tensor.normal([2, 3, 6, 5], generator: &generator)
        let v = Tensor.normal([2, 3, 6, 2], generator: &generator)
        let scale = 1 / 5.0.squareRoot()
        expectClose(Tensor.scaledDotProductAttention(query: q, key: k, value: v), referenceAttention(q, k, v, mask: nil, scale: scale),
                    relative: 1e-5, "no mask, S != T, Dv != Dh")
        for maskShape in [[4, 6], [2, 1, 4, 6], [1, 3, 4, 6], [2, 3, 4, 6]] {
            let mask = Tensor.normal(maskShape, generator: &generator)
            expectClose(Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: mask, scale: 0.7),
                        referenceAttention(q, k, v, mask: mask, scale: 0.7), relative: 1e-5, "mask \(maskShape)")
        }
        let square = Tensor.normal([2, 3, 4, 5], generator: &generator)
        expectClose(Tensor.scaledDotProductAttention(query: q, key: square, value: square, mask: causalMask(4)),
                    referenceAttention(q, square, square, mask: causalMask(4), scale: scale), relative: 1e-5, "causal")
    }

    @Test func gradientsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 82)
        let q = Tensor.normal([2, 2, 3, 4], generator: &generator)
        let k = Tensor.normal([2, 2, 5, 4], generator: &generator)
        let v = Tensor.normal([2, 2, 5, 3], generator: &generator)
        func reference(_ inputs: [DoubleTensor], mask: Tensor? = nil, scale: Double? = nil) -> DoubleTensor {
            DoubleReference.scaledDotProductAttention(query: inputs[0], key: inputs[1], value: inputs[2],
                                                      mask: mask.map(DoubleTensor.init), scale: scale)
        }
        expectGradientsMatchDoubleFiniteDifferences([q, k, v], "attention, no mask") {
            Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2])
        } reference: { reference($0) }
        let mask = Tensor.normal([2, 1, 3, 5], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([q, k, v], "attention, finite [B, 1, T, S] mask") {
            Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: mask, scale: 0.3)
        } reference: { reference($0, mask: mask, scale: Double(Float(0.3))) }
        let square = Tensor.normal([2, 2, 3, 4], generator: &generator)
        expectGradientsMatchDoubleFiniteDifferences([q, square, square.copy()], "attention, causal −∞ mask") {
            Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: causalMask(3))
        } reference: { reference($0, mask: causalMask(3)) }
    }

    @Test func fullyMaskedQueryRowGivesZerosAndNoGradient() {
        let q = Tensor.ones([1, 1, 2, 2], requiresGrad: true)
        let kv = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let mask = Tensor(shape: [2, 2], scalars: [-.infinity, -.infinity, 0, -.infinity])
        let y = Tensor.scaledDotProductAttention(query: q, key: kv, value: kv, mask: mask)
        #expect(y.scalars == [0, 0, 1, 2])
        y.backward(gradient: Tensor.ones([1, 1, 2, 2]))
        #expect(q.grad?.scalars.allSatisfy { $0 == 0 } == true)
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        var generator = RandomGenerator(seed: 83)
        let q = Tensor.normal([3, 2, 5, 4], generator: &generator)
        let k = Tensor.normal([3, 2, 5, 4], generator: &generator)
        let v = Tensor.normal([3, 2, 5, 4], generator: &generator)
        let g = Tensor.normal([3, 2, 5, 4], generator: &generator)
        func run() -> [[Float]] {
            for input in [q, k, v] { input.requiresGrad = true; input.grad = nil }
            let y = Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: causalMask(5))
            y.backward(gradient: g)
            return [y.scalars, q.grad!.scalars, k.grad!.scalars, v.grad!.scalars]
        }
        let previous = Threading.threadCount
        Threading.setThreadCount(1)
        let serial = run()
        Threading.setThreadCount(2)
        let parallel = run()
        Threading.setThreadCount(previous)
        #expect(serial == parallel)
    }
}

@Suite struct PackedAttentionTests {
    /// The unfused path: split qkv [B, T, 3, H, Dh] into [B, H, T, Dh] tensors with explicit loops,
    /// attend, and lay the heads back side by side.
    func unpacked(_ qkv: Tensor, heads: Int, mask: Tensor?) -> Tensor {
        let b = qkv.shape[0], t = qkv.shape[1], d = qkv.shape[2] / 3, dh = d / heads
        let source = qkv.scalars
        func part(_ which: Int) -> Tensor {
            var values = [Float](repeating: 0, count: b * t * d)
            for bi in 0..<b { for h in 0..<heads { for ti in 0..<t { for j in 0..<dh {
                values[((bi * heads + h) * t + ti) * dh + j] = source[(bi * t + ti) * 3 * d + which * d + h * dh + j]
            } } } }
            return Tensor(shape: [b, heads, t, dh], scalars: values)
        }
        let attended = Tensor.scaledDotProductAttention(query: part(0), key: part(1), value: part(2), mask: mask).scalars
        var out = [Float](repeating: 0, count: b * t * d)
        for bi in 0..<b { for h in 0..<heads { for ti in 0..<t { for j in 0..<dh {
            out[(bi * t + ti) * d + h * dh + j] = attended[((bi * heads + h) * t + ti) * dh + j]
        } } } }
        return Tensor(shape: [b, t, d], scalars: out)
    }

    @Test func matchesSplitAttendAndMerge() {
        var generator = RandomGenerator(seed: 84)
        let qkv = Tensor.normal([2, 5, 3 * 6], generator: &generator)
        let mask = Tensor.normal([2, 1, 5, 5], generator: &generator)
        expectClose(Tensor.packedSelfAttention(qkv: qkv, headCount: 3), unpacked(qkv, heads: 3, mask: nil), relative: 1e-6, "no mask")
        expectClose(Tensor.packedSelfAttention(qkv: qkv, headCount: 2, mask: mask), unpacked(qkv, heads: 2, mask: mask),
                    relative: 1e-6, "mask")
    }

    @Test func gradientsMatchDoubleFiniteDifferences() {
        var generator = RandomGenerator(seed: 85)
        let qkv = Tensor.normal([2, 4, 3 * 4], generator: &generator)
        let causal = Tensor(shape: [4, 4], scalars: (0..<16).map { $0 % 4 > $0 / 4 ? -Float.infinity : 0 })
        expectGradientsMatchDoubleFiniteDifferences([qkv], "packed, 2 heads") {
            Tensor.packedSelfAttention(qkv: $0[0], headCount: 2)
        } reference: { DoubleReference.packedSelfAttention(qkv: $0[0], headCount: 2) }
        expectGradientsMatchDoubleFiniteDifferences([qkv], "packed, causal") {
            Tensor.packedSelfAttention(qkv: $0[0], headCount: 2, mask: causal, scale: 0.4)
        } reference: { DoubleReference.packedSelfAttention(qkv: $0[0], headCount: 2, mask: DoubleTensor(causal), scale: Double(Float(0.4))) }
    }
}
