import Foundation

/// A small radix-2 FFT for the feature baselines (signals of at most a few thousand samples).
enum FourierTransform {
    /// In-place iterative Cooley–Tukey FFT of `real` + i·`imaginary` (count a power of two);
    /// `inverse` computes the unscaled inverse transform.
    static func transform(real: inout [Double], imaginary: inout [Double], inverse: Bool = false) {
        let n = real.count
        precondition(n == imaginary.count && n > 0 && n & (n - 1) == 0,
                     "FourierTransform: length \(n) must be a power of two, with equal real and imaginary parts")
        var j = 0
        for i in 1..<max(n, 1) {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { real.swapAt(i, j); imaginary.swapAt(i, j) }
        }
        var length = 2
        while length <= n {
            let angle = (inverse ? 2 : -2) * Double.pi / Double(length)
            let stepReal = cos(angle), stepImaginary = sin(angle)
            for start in stride(from: 0, to: n, by: length) {
                var wReal = 1.0, wImaginary = 0.0
                for k in 0..<(length / 2) {
                    let a = start + k, b = a + length / 2
                    let tReal = real[b] * wReal - imaginary[b] * wImaginary
                    let tImaginary = real[b] * wImaginary + imaginary[b] * wReal
                    real[b] = real[a] - tReal; imaginary[b] = imaginary[a] - tImaginary
                    real[a] += tReal; imaginary[a] += tImaginary
                    let next = wReal * stepReal - wImaginary * stepImaginary
                    wImaginary = wReal * stepImaginary + wImaginary * stepReal
                    wReal = next
                }
            }
            length <<= 1
        }
    }

    /// The smallest power of two ≥ `count`.
    static func paddedLength(_ count: Int) -> Int {
        var n = 1
        while n < count { n <<= 1 }
        return n
    }

    /// One-sided power spectrum |X_k|²/n, k = 0…n/2, of the mean-removed signal zero-padded to a
    /// power of two n; bin k is at k·rate/n Hz.
    static func powerSpectrum(_ signal: [Double]) -> (power: [Double], length: Int) {
        let n = paddedLength(signal.count)
        let mean = signal.reduce(0, +) / Double(max(signal.count, 1))
        var real = [Double](repeating: 0, count: n), imaginary = [Double](repeating: 0, count: n)
        for (i, value) in signal.enumerated() { real[i] = value - mean }
        transform(real: &real, imaginary: &imaginary)
        let power = (0...(n / 2)).map { (real[$0] * real[$0] + imaginary[$0] * imaginary[$0]) / Double(n) }
        return (power, n)
    }

    /// Keeps only the components between `low` and `high` Hz (an ideal band-pass by FFT, zero
    /// phase); the result has the signal's length.
    static func bandPass(_ signal: [Double], rate: Double, low: Double, high: Double) -> [Double] {
        let n = paddedLength(signal.count)
        let mean = signal.reduce(0, +) / Double(max(signal.count, 1))
        var real = [Double](repeating: 0, count: n), imaginary = [Double](repeating: 0, count: n)
        for (i, value) in signal.enumerated() { real[i] = value - mean }
        transform(real: &real, imaginary: &imaginary)
        for k in 0..<n {
            let frequency = Double(min(k, n - k)) * rate / Double(n)
            if frequency < low || frequency > high { real[k] = 0; imaginary[k] = 0 }
        }
        transform(real: &real, imaginary: &imaginary, inverse: true)
        return (0..<signal.count).map { real[$0] / Double(n) }
    }
}
