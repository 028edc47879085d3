import Foundation

/// Parses ISO-8601 date-times from bytes, fast and without Foundation formatters:
/// `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM|±HHMM|±HH]` (a space may replace the `T`).
enum ISO8601Timestamp {
    /// UNIX seconds, and whether the text named a time zone (otherwise UTC is assumed).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (seconds: Double, hasZone: Bool)? {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let digit = bytes[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else { return nil }
        guard index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x20 else { return nil }
        index += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else { return nil }
        guard (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x2C {
            index += 1
            var scale = 0.1
            var fractionDigits = 0
            while index < bytes.count, bytes[index] &- 0x30 < 10 {
                fraction += Double(bytes[index] &- 0x30) * scale
                scale /= 10
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        var zoneOffset = 0
        var hasZone = false
        if index < bytes.count {
            hasZone = true
            if bytes[index] == 0x5A || bytes[index] == 0x7A {
                index += 1
            } else if bytes[index] == 0x2B || bytes[index] == 0x2D {
                let sign = bytes[index] == 0x2D ? -1 : 1
                index += 1
                guard let zoneHours = digits(2), zoneHours < 24 else { return nil }
                var zoneMinutes = 0
                if index < bytes.count {
                    _ = expect(0x3A)
                    guard let minutes = digits(2), minutes < 60 else { return nil }
                    zoneMinutes = minutes
                }
                zoneOffset = sign * (zoneHours * 3600 + zoneMinutes * 60)
            } else {
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - zoneOffset) + fraction
        return (seconds, hasZone)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days-from-civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
