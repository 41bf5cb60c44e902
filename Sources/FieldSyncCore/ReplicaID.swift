/// Identifies one replica (a device's database, or the service). Random, fixed
/// when the replica is created, and used to break ties between equal timestamps.
///
/// 63 bits, so that signed 64-bit storage (SQLite, PostgreSQL) orders replica
/// ids the same way as this type does.
public struct ReplicaID: Hashable, Comparable, Sendable {
    public static let mask: UInt64 = (1 << 63) - 1
    public let rawValue: UInt64

    public init?(rawValue: UInt64) {
        guard rawValue <= Self.mask, rawValue != 0 else { return nil }
        self.rawValue = rawValue
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> ReplicaID {
        while true {
            if let id = ReplicaID(rawValue: generator.next() & mask) { return id }
        }
    }

    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension ReplicaID: CustomStringConvertible {
    public var description: String { hex16(rawValue) }

    public init?(hex: some StringProtocol) {
        guard let raw = parseHex16(hex) else { return nil }
        self.init(rawValue: raw)
    }
}
