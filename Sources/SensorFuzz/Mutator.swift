/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed 64-bit generator. The fuzzer owns its
/// own generator so its inputs never change when the tensor engine's RNG changes.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Seeded random choices and format-agnostic byte mutations, shared by every fuzz target.
/// Targets add their own structure-aware mutations on top (see SafeTensorsFuzzTarget). Conforms to
/// `RandomNumberGenerator` so `shuffle(using:)` and friends work with it.
struct Mutator: RandomNumberGenerator {
    private var generator: SplitMix64

    /// One mutator per iteration, so any single input can be regenerated from `(seed, iteration)`.
    init(seed: UInt64, iteration: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(iteration) &* 0xD1B5_4A32_D192_ED03))
        generator = SplitMix64(seed: mixer.next())
    }

    mutating func nextUInt64() -> UInt64 { generator.next() }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in `0..<bound`; `bound` must be positive.
    mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "Mutator.nextInt(below: \(bound)) needs a positive bound")
        return Int(generator.next() % UInt64(bound))
    }

    /// Uniform in `range` (inclusive).
    mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double(generator.next() >> 11) * 0x1p-53 < probability
    }

    mutating func pick<Element>(_ items: [Element]) -> Element {
        items[nextInt(below: items.count)]
    }

    /// Number literals that sit on boundaries: zero, sign, Int64/UInt64 limits, fractions, exponents.
    static let interestingNumberLiterals = [
        "0", "1", "2", "3", "4", "7", "8", "-1", "-0", "255", "256", "65536", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999", "2305843009213693952", "1152921504606846976",
        "1.0", "0.5", "1e3", "1E400", "-1e-5", "00", "01", "+1", "0x10", "NaN", "Infinity", "1.", ".5",
    ]

    mutating func interestingNumberLiteral() -> String {
        pick(Mutator.interestingNumberLiterals)
    }

    /// Applies `rounds` random byte-level mutations, inserting tokens from `dictionary` now and then.
    mutating func mutateBytes(_ bytes: inout [UInt8], rounds: Int, dictionary: [[UInt8]]) {
        for _ in 0..<rounds { mutateBytesOnce(&bytes, dictionary: dictionary) }
    }

    mutating func mutateBytesOnce(_ bytes: inout [UInt8], dictionary: [[UInt8]]) {
        switch nextInt(below: 8) {
        case 0: flipBit(&bytes)
        case 1: setRandomByte(&bytes)
        case 2: truncate(&bytes)
        case 3: deleteRange(&bytes)
        case 4: duplicateRange(&bytes)
        case 5, 6: insertToken(&bytes, dictionary: dictionary)
        default: overwriteWithToken(&bytes, dictionary: dictionary)
        }
    }

    mutating func flipBit(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes[nextInt(below: bytes.count)] ^= UInt8(1) << UInt8(nextInt(below: 8))
    }

    mutating func setRandomByte(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let special: [UInt8] = [0x00, 0x20, 0x22, 0x5C, 0x7F, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xF5, 0xFF]
        let value = chance(0.5) ? pick(special) : UInt8(truncatingIfNeeded: nextUInt64())
        bytes[nextInt(below: bytes.count)] = value
    }

    /// Cuts the input at a uniformly random point (possibly to nothing).
    mutating func truncate(_ bytes: inout [UInt8]) {
        bytes.removeSubrange(nextInt(in: 0...bytes.count)..<bytes.count)
    }

    mutating func deleteRange(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let start = nextInt(below: bytes.count)
        let length = min(bytes.count - start, 1 + nextInt(below: 16))
        bytes.removeSubrange(start..<(start + length))
    }

    mutating func duplicateRange(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let start = nextInt(below: bytes.count)
        let length = min(bytes.count - start, 1 + nextInt(below: 32))
        let copy = Array(bytes[start..<(start + length)])
        bytes.insert(contentsOf: copy, at: nextInt(in: 0...bytes.count))
    }

    mutating func insertToken(_ bytes: inout [UInt8], dictionary: [[UInt8]]) {
        guard !dictionary.isEmpty else { return setRandomByte(&bytes) }
        bytes.insert(contentsOf: pick(dictionary), at: nextInt(in: 0...bytes.count))
    }

    mutating func overwriteWithToken(_ bytes: inout [UInt8], dictionary: [[UInt8]]) {
        guard !dictionary.isEmpty, !bytes.isEmpty else { return setRandomByte(&bytes) }
        let token = pick(dictionary)
        let start = nextInt(below: bytes.count)
        for (index, byte) in token.enumerated() where start + index < bytes.count { bytes[start + index] = byte }
    }
}
