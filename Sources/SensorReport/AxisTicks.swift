import Foundation

/// Axis ranges and tick positions at "nice" numbers (1, 2 or 5 times a power of ten), after Heckbert's
/// "Nice numbers for graph labels" (Graphics Gems, 1990).
public struct AxisTicks: Equatable, Sendable {
    /// Axis range, widened to whole ticks on a linear axis.
    public var lower: Double
    public var upper: Double
    /// Tick positions in data units, ascending.
    public var values: [Double]
    /// Digits after the point that make every linear tick label distinct and exact.
    public var decimals: Int
    /// Whether positions are spaced by their logarithm.
    public var isLogarithmic: Bool = false

    /// The nice number near `value`: with `round`, the closest of 1, 2, 5, 10 (times a power of ten); otherwise
    /// the smallest of them not below `value`.
    public static func niceNumber(_ value: Double, round: Bool) -> Double {
        precondition(value > 0 && value.isFinite, "AxisTicks.niceNumber: value must be positive and finite, got \(value)")
        let exponent = floor(log10(value))
        let fraction = value / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// Linear ticks covering `lower...upper` with about `targetCount` intervals. A degenerate range (equal ends)
    /// is widened around its value so a flat series still gets an axis.
    public static func linear(lower: Double, upper: Double, targetCount: Int = 5) -> AxisTicks {
        precondition(lower.isFinite && upper.isFinite && lower <= upper,
                     "AxisTicks.linear: need finite lower <= upper, got \(lower)...\(upper)")
        precondition(targetCount >= 2, "AxisTicks.linear: targetCount must be at least 2, got \(targetCount)")
        var low = lower, high = upper
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let range = niceNumber(high - low, round: false)
        let step = niceNumber(range / Double(targetCount - 1), round: true)
        let first = floor(low / step) * step
        let last = ceil(high / step) * step
        let count = Int(((last - first) / step).rounded()) + 1
        let decimals = max(0, -Int(floor(log10(step))))
        let scale = pow(10, Double(decimals))
        // Snap every tick to the decimal grid so 0.1 + 0.2 never prints as 0.30000000000000004.
        let values = (0..<count).map { index -> Double in
            let raw = first + Double(index) * step
            let snapped = (raw * scale).rounded() / scale
            return snapped == 0 ? 0 : snapped
        }
        return AxisTicks(lower: values.first ?? first, upper: values.last ?? last, values: values, decimals: decimals)
    }

    /// Logarithmic ticks for a positive range: decades, and 2 and 5 times each decade when the range spans at
    /// most two decades. The axis range is the data range widened to whole decades' nice neighbours.
    public static func logarithmic(lower: Double, upper: Double) -> AxisTicks {
        precondition(lower > 0 && upper.isFinite && lower <= upper,
                     "AxisTicks.logarithmic: need 0 < lower <= upper, got \(lower)...\(upper)")
        let firstDecade = Int(floor(log10(lower) + 1e-9))
        let lastDecade = Int(ceil(log10(upper) - 1e-9))
        let multipliers: [Double] = lastDecade - firstDecade <= 2 ? [1, 2, 5] : [1]
        var candidates: [Double] = []
        for decade in firstDecade...max(firstDecade, lastDecade) {
            for multiplier in multipliers {
                let value = multiplier * pow(10, Double(decade))
                candidates.append(Double(NumberText.significant(value, digits: 1)) ?? value)
            }
        }
        let values = candidates.filter { $0 >= lower * (1 - 1e-9) && $0 <= upper * (1 + 1e-9) }
        let decimals = max(0, -firstDecade)
        return AxisTicks(lower: lower, upper: upper, values: values.isEmpty ? [lower, upper] : values, decimals: decimals,
                         isLogarithmic: true)
    }

    /// Tick label text: shared decimals on a linear axis, shortest exact text on a logarithmic one; `percent`
    /// shows fractions as percentages.
    public func label(_ value: Double, percent: Bool = false) -> String {
        if percent { return NumberText.percent(value) }
        if isLogarithmic { return NumberText.trimmed(NumberText.significant(value, digits: 3)) }
        return NumberText.fixed(value, decimals: decimals)
    }
}
