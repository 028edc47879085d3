import Foundation

/// Locale-free, reproducible number text: the same `Double` always gives the same characters, so a report
/// rendered twice is byte-identical. Non-finite values are spelled out ("NaN", "inf") rather than hidden.
public enum NumberText {
    /// `value` with `digits` significant digits in plain decimal notation (scientific outside 1e-4...1e9).
    /// Negative zero prints as "0".
    public static func significant(_ value: Double, digits: Int = 4) -> String {
        precondition(digits >= 1 && digits <= 17, "NumberText.significant: digits must be in 1...17, got \(digits)")
        guard value.isFinite else { return nonFinite(value) }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude < 1e-4 || magnitude >= 1e9 {
            return clean(String(format: "%.\(digits - 1)e", value))
        }
        let exponent = Int(floor(log10(magnitude)))
        var decimals = max(0, digits - 1 - exponent)
        // Rounding can carry into a new decade (0.99995 → 1.000); recompute the decimals from the rounded value.
        let rounded = (value * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
        if rounded != 0, Int(floor(log10(abs(rounded)))) > exponent { decimals = max(0, decimals - 1) }
        return clean(String(format: "%.\(decimals)f", value))
    }

    /// `value` with exactly `decimals` digits after the point (for tick labels that share one step).
    public static func fixed(_ value: Double, decimals: Int) -> String {
        precondition(decimals >= 0 && decimals <= 12, "NumberText.fixed: decimals must be in 0...12, got \(decimals)")
        guard value.isFinite else { return nonFinite(value) }
        return clean(String(format: "%.\(decimals)f", value))
    }

    /// A fraction as a percentage without trailing zeros: 0.05 → "5%", 0.125 → "12.5%".
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return nonFinite(fraction) }
        return trimmed(significant(fraction * 100, digits: 3)) + "%"
    }

    /// An integer with thin grouping for readability: 1234567 → "1 234 567" (U+202F narrow no-break spaces).
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: "\u{202F}")
    }

    /// Bytes in binary units with three significant digits: 1536 → "1.50 KiB".
    public static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : significant(value, digits: 3) + " " + units[unit]
    }

    /// Drops trailing zeros after a decimal point ("2.50" → "2.5", "3.000" → "3").
    public static func trimmed(_ text: String) -> String {
        guard text.contains("."), !text.contains("e") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        if result.hasSuffix(".") { result = result.dropLast() }
        return String(result)
    }

    private static func nonFinite(_ value: Double) -> String {
        value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf")
    }

    /// Turns "-0.00" into "0.00" so that signs never flicker between renders of values near zero.
    private static func clean(_ text: String) -> String {
        guard text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) else { return text }
        return String(text.dropFirst())
    }
}

extension NumberText {
    /// "0.851 [0.812, 0.889]" — a value with its confidence interval when both ends are known.
    public static func estimate(_ estimate: Estimate, digits: Int = 3) -> String {
        let value = significant(estimate.value, digits: digits)
        guard let lower = estimate.lower, let upper = estimate.upper else { return value }
        return "\(value) [\(significant(lower, digits: digits)), \(significant(upper, digits: digits))]"
    }
}
