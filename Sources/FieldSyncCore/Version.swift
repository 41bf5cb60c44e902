/// The version of one field: when it was written and by which replica.
/// Totally ordered: timestamp first, replica id to break ties.
public struct Version: Hashable, Comparable, Sendable {
    public let timestamp: HybridTimestamp
    public let replica: ReplicaID

    public init(timestamp: HybridTimestamp, replica: ReplicaID) {
        self.timestamp = timestamp
        self.replica = replica
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.timestamp, lhs.replica) < (rhs.timestamp, rhs.replica)
    }
}

extension Version: CustomStringConvertible {
    /// `TIMESTAMP-REPLICA`, 33 characters of fixed-width hex: sorts as text
    /// exactly as versions sort. Written and read byte by byte: a pull page
    /// carries one per field.
    public var description: String {
        String(unsafeUninitializedCapacity: 33) { bytes in
            writeHex16(timestamp.rawValue, into: bytes, at: 0)
            bytes[16] = UInt8(ascii: "-")
            writeHex16(replica.rawValue, into: bytes, at: 17)
            return 33
        }
    }

    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let version = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = version
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Version? {
        guard bytes.count == 33, bytes[16] == UInt8(ascii: "-"),
            let timestamp = parseHex16(UnsafeBufferPointer(rebasing: bytes[0..<16])),
            let raw = parseHex16(UnsafeBufferPointer(rebasing: bytes[17..<33])),
            let replica = ReplicaID(rawValue: raw)
        else { return nil }
        return Version(timestamp: HybridTimestamp(rawValue: timestamp), replica: replica)
    }
}
