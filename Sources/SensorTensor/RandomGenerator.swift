import Foundation

/// A seeded, splittable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random op takes a generator explicitly, so a run's randomness is a function of its seed.
/// `split()` derives an independent stream (for a data loader, an augmentation, a dropout layer)
/// without disturbing the parent beyond one draw. `state` can be saved in a checkpoint and
/// restored with `init(state:)` to resume bit-identically.
public struct RandomGenerator: Sendable, Equatable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var mix = seed
        state = (0..<4).map { _ in RandomGenerator.splitMix64(&mix) }
    }

    /// Restores a generator saved from `state`.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 },
                     "RandomGenerator(state:): needs 4 words, not all zero; got \(state)")
        self.state = state
    }

    private static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotateLeft(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = RandomGenerator.rotateLeft(state[3], 45)
        return result
    }

    /// An independent generator seeded from this one's next draw.
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next())
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal by the Box-Muller transform (computed in Double).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextUniformDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextUniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A uniform integer in `0..<upperBound` without modulo bias (Lemire's method).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "RandomGenerator.nextInt: upper bound must be positive, got \(upperBound)")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// A random permutation of `0..<count` (Fisher-Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var values = Array(0..<count)
        if count < 2 { return values }
        for i in stride(from: count - 1, to: 0, by: -1) {
            values.swapAt(i, nextInt(below: i + 1))
        }
        return values
    }
}

extension Tensor {
    /// Samples from N(mean, std²).
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let out = result.data
        for i in 0..<result.count { out[i] = mean + std * generator.nextNormal() }
        result.requiresGrad = requiresGrad
        return result
    }

    /// Samples uniformly from [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let out = result.data
        for i in 0..<result.count { out[i] = low + (high - low) * generator.nextUniform() }
        result.requiresGrad = requiresGrad
        return result
    }

    /// 1 with probability `probability`, else 0.
    public static func bernoulli(_ shape: [Int], probability: Float, generator: inout RandomGenerator) -> Tensor {
        precondition((0...1).contains(probability), "bernoulli: probability \(probability) is outside [0, 1]")
        let result = Tensor(uninitializedShape: shape)
        let out = result.data
        for i in 0..<result.count { out[i] = generator.nextUniform() < probability ? 1 : 0 }
        return result
    }
}
