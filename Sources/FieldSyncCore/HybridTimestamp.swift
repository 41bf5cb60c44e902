/// A hybrid logical clock timestamp: 48 bits of wall-clock milliseconds since
/// the Unix epoch, then a 16-bit counter that orders events within one millisecond.
///
/// Packed into 64 bits so that comparing raw values compares timestamps.
public struct HybridTimestamp: Hashable, Comparable, Sendable {
    public static let maxMillis: UInt64 = (1 << 48) - 1
    public static let maxCounter: UInt64 = (1 << 16) - 1
    public static let zero = HybridTimestamp(rawValue: 0)

    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public init(millis: UInt64, counter: UInt64) {
        precondition(millis <= Self.maxMillis && counter <= Self.maxCounter, "timestamp out of range")
        self.rawValue = millis << 16 | counter
    }

    public var millis: UInt64 { rawValue >> 16 }
    public var counter: UInt64 { rawValue & Self.maxCounter }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension HybridTimestamp: CustomStringConvertible {
    /// Fixed-width hex (12 digits of milliseconds, 4 of counter): sorts as text
    /// exactly as the timestamps sort.
    public var description: String { hex16(rawValue) }

    public init?(hex: some StringProtocol) {
        guard let raw = parseHex16(hex) else { return nil }
        self.init(rawValue: raw)
    }
}

/// Exactly 16 lower-case hex digits (no sign, no upper case), so that text
/// order stays value order.
func parseHex16(_ text: some StringProtocol) -> UInt64? {
    var text = String(text)
    return text.withUTF8 { parseHex16($0) }
}

func parseHex16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
    guard bytes.count == 16 else { return nil }
    var value: UInt64 = 0
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt64(byte - UInt8(ascii: "a") + 10)
        default: return nil
        }
    }
    return value
}

/// Writes `value` as 16 lower-case hex digits at `offset`.
func writeHex16(_ value: UInt64, into bytes: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
    let digits: StaticString = "0123456789abcdef"
    for position in 0..<16 {
        let nibble = Int((value >> UInt64(60 - 4 * position)) & 0xF)
        bytes[offset + position] = digits.utf8Start[nibble]
    }
}

/// Lower-case, zero-padded, 16 hex digits.
func hex16(_ value: UInt64) -> String {
    String(unsafeUninitializedCapacity: 16) { bytes in
        writeHex16(value, into: bytes, at: 0)
        return 16
    }
}
