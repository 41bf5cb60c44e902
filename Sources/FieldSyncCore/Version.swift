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
        String(unsafeUninitializedCapacity: Self.textLength) { bytes in
            write(into: bytes)
            return Self.textLength
        }
    }

    /// Appends the text's UTF-8 bytes (a writer of a pull page wants bytes, not strings).
    public func appendText(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.textLength) { buffer in
            write(into: buffer)
            bytes.append(contentsOf: buffer)
        }
    }

    private func write(into bytes: UnsafeMutableBufferPointer<UInt8>) {
        writeHex16(timestamp.rawValue, into: bytes, at: 0)
        bytes[16] = UInt8(ascii: "-")
        writeHex16(replica.rawValue, into: bytes, at: 17)
    }

    /// The length of a version's text.
    public static let textLength = 33

    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let version = text.withUTF8({ Version(utf8: $0) }) else { return nil }
        self = version
    }

    /// From the text's UTF-8 bytes (a reader of a pull page has them at hand).
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == Self.textLength, bytes[16] == UInt8(ascii: "-"),
            let timestamp = parseHex16(UnsafeBufferPointer(rebasing: bytes[0..<16])),
            let raw = parseHex16(UnsafeBufferPointer(rebasing: bytes[17..<33])),
            let replica = ReplicaID(rawValue: raw)
        else { return nil }
        self.init(timestamp: HybridTimestamp(rawValue: timestamp), replica: replica)
    }
}
