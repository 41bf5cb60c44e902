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
    /// exactly as versions sort.
    public var description: String { "\(timestamp)-\(replica)" }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let timestamp = HybridTimestamp(hex: parts[0]),
            let replica = ReplicaID(hex: parts[1])
        else { return nil }
        self.init(timestamp: timestamp, replica: replica)
    }
}
