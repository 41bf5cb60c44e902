/// ISO-8601 dates as the schema stores them: `YYYY-MM-DD` and
/// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`. Parsed by hand: no Foundation, no locale.
public enum ISODate {
    public struct Day: Hashable, Comparable, Sendable {
        public let year: Int
        public let month: Int
        public let day: Int

        public init?(year: Int, month: Int, day: Int) {
            guard (1...9999).contains(year), (1...12).contains(month),
                (1...ISODate.daysIn(month: month, year: year)).contains(day)
            else { return nil }
            self.year = year
            self.month = month
            self.day = day
        }

        public init?(_ text: String) {
            var text = text
            guard let day = text.withUTF8({ Day(utf8: $0[...]) }) else { return nil }
            self = day
        }

        init?(utf8 bytes: Slice<UnsafeBufferPointer<UInt8>>) {
            guard let (year, month, day) = Self.fields(utf8: bytes) else { return nil }
            self.init(year: year, month: month, day: day)
        }

        /// The numbers of a `YYYY-MM-DD` text, whether or not they make a day of the calendar.
        static func fields(utf8 bytes: Slice<UnsafeBufferPointer<UInt8>>) -> (Int, Int, Int)? {
            let start = bytes.startIndex
            guard bytes.count == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
                let year = ISODate.number(bytes[start..<(start + 4)]),
                let month = ISODate.number(bytes[(start + 5)..<(start + 7)]),
                let day = ISODate.number(bytes[(start + 8)..<(start + 10)])
            else { return nil }
            return (year, month, day)
        }

        /// Days since 1970-01-01 (negative before).
        public var daysSinceEpoch: Int {
            // Howard Hinnant's days_from_civil.
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let mp = (month + 9) % 12
            let doy = (153 * mp + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146097 + doe - 719468
        }

        public init(daysSinceEpoch days: Int) {
            let z = days + 719468
            let era = (z >= 0 ? z : z - 146096) / 146097
            let doe = z - era * 146097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let day = doy - (153 * mp + 2) / 5 + 1
            let month = mp < 10 ? mp + 3 : mp - 9
            let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
            self.year = year
            self.month = month
            self.day = day
        }

        /// The UTC day of a Unix time in milliseconds.
        public init(millisSinceEpoch millis: UInt64) { self.init(daysSinceEpoch: Int(millis / 86_400_000)) }

        public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + days) }

        public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }
    }

    public static func isValidDate(_ text: String) -> Bool { Day(text) != nil }

    /// Whether `text` is written `YYYY-MM-DD`, a day of the calendar or not (2026-02-30).
    public static func hasDateForm(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { Day.fields(utf8: $0[...]) } != nil
    }

    public static func isValidDateTime(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValidDateTime(utf8: $0) }
    }

    static func isValidDateTime(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 20, Day(utf8: bytes[0..<10]) != nil,
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = number(bytes[11..<13]), hour < 24, let minute = number(bytes[14..<16]), minute < 60,
            let second = number(bytes[17..<19]), second < 60
        else { return false }
        var rest = bytes[19...]
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard !digits.isEmpty, digits.count <= 9 else { return false }
            rest = rest.dropFirst(digits.count)
        }
        if rest.count == 1 { return rest.first == UInt8(ascii: "Z") }
        guard rest.count == 6, rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-"),
            rest[rest.startIndex + 3] == UInt8(ascii: ":"),
            let offsetHours = number(rest[(rest.startIndex + 1)..<(rest.startIndex + 3)]), offsetHours < 24,
            let offsetMinutes = number(rest[(rest.startIndex + 4)..<(rest.startIndex + 6)]), offsetMinutes < 60
        else { return false }
        return true
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time in milliseconds.
    public static func dateTime(millisSinceEpoch millis: UInt64) -> String {
        let seconds = Int(millis / 1000)
        let day = Day(daysSinceEpoch: seconds / 86400)
        let secondOfDay = seconds % 86400
        return "\(dateString(day))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ` for a Unix time in milliseconds: the service's timestamps on the wire.
    public static func dateTimeMillis(millisSinceEpoch millis: UInt64) -> String {
        let second = dateTime(millisSinceEpoch: millis)
        return second.dropLast() + "." + pad(Int(millis % 1000), 3) + "Z"
    }

    /// Reads what `dateTimeMillis` writes (UTC, milliseconds) back to Unix milliseconds.
    public static func millis(dateTime text: String) -> UInt64? {
        var text = text
        return text.withUTF8 { bytes -> UInt64? in
            guard bytes.count == 24, bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z"),
                isValidDateTime(utf8: bytes), let day = Day(utf8: bytes[0..<10]), day.daysSinceEpoch >= 0,
                let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
                let second = number(bytes[17..<19]), let millis = number(bytes[20..<23])
            else { return nil }
            let seconds = ((day.daysSinceEpoch * 24 + hour) * 60 + minute) * 60 + second
            return UInt64(seconds) * 1000 + UInt64(millis)
        }
    }

    public static func dateString(_ day: Day) -> String {
        "\(pad(day.year, 4))-\(pad(day.month, 2))-\(pad(day.day, 2))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func number(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        var result = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
