import FieldSyncCore

/// `POST /v1/push`: a replica's pending changes, each with its base version.
public struct PushRequest: Codable, Sendable {
    public static let format = "fieldsync-push"

    public var changeSet: ChangeSet
    /// The pushing replica: every change must carry its id in its version.
    public var replica: ReplicaID
    /// The manager using the replica (until tokens say who is calling).
    public var manager: String?
    /// The replica's pull cursor: what it has seen of the service, so the
    /// service can tell whether a delete was made without seeing an edit.
    public var cursor: PullCursor?

    public init(changeSet: ChangeSet, replica: ReplicaID, manager: String?, cursor: PullCursor?) {
        self.changeSet = changeSet
        self.replica = replica
        self.manager = manager
        self.cursor = cursor
    }

    enum CodingKeys: String, CodingKey {
        case format, replica, manager, cursor, rows
        case schemaVersion = "schema_version"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try WireFormat.check(container, .format, expected: Self.format)
        let schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        let replicaText = try container.decode(String.self, forKey: .replica)
        guard let replica = ReplicaID(hex: replicaText) else {
            throw WireError.malformed("replica is not a replica id (16 lower-case hex digits, not zero)")
        }
        self.replica = replica
        manager = try container.decodeIfPresent(String.self, forKey: .manager)
        if let manager, !ManagerID.isValid(manager) {
            throw WireError.malformed("manager must be \(ManagerID.rule)")
        }
        if let text = try container.decodeIfPresent(String.self, forKey: .cursor) {
            guard let cursor = PullCursor(text) else {
                throw WireError.malformed("cursor is not a cursor this service issued")
            }
            self.cursor = cursor
        }
        let changes = try WireRow.changes(from: container.decode([WireRow].self, forKey: .rows))
        changeSet = ChangeSet(schemaVersion: schemaVersion, changes: changes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(changeSet.schemaVersion, forKey: .schemaVersion)
        try container.encode(replica.description, forKey: .replica)
        try container.encodeIfPresent(manager, forKey: .manager)
        try container.encodeIfPresent(cursor?.description, forKey: .cursor)
        try container.encode(WireRow.rows(from: changeSet), forKey: .rows)
    }
}

/// The answer to a push: every change not listed in `rejected` was accepted.
public struct PushResponse: Codable, Sendable, Equatable {
    public static let format = "fieldsync-push-result"

    public var accepted: Int
    public var rejected: [ChangeRejection]
    /// Conflicts this push made the service record (re-sent changes record none).
    public var conflicts: Int
    /// The service's clock, Unix milliseconds: a client rejected with
    /// `clock_skew` re-stamps its changes against it.
    public var serverTimeMillis: UInt64
    /// Where the replica's pull may resume after this push, when the service
    /// can tell that the replica already holds everything up to there: the
    /// cursor the push carried was current, and the push was accepted whole,
    /// without a conflict. Without it the next pull brings the pushed rows
    /// back. Nil when the service cannot tell (or does not say).
    public var cursor: PullCursor?
    /// Interactions, tasks and holdings the push named that the service
    /// files under a customer the caller does not see now (it went to
    /// another manager): the device drops its copy. Sent only when not empty.
    public var removedRecords: [RecordRef]

    public init(
        accepted: Int, rejected: [ChangeRejection], conflicts: Int, serverTimeMillis: UInt64,
        cursor: PullCursor? = nil, removedRecords: [RecordRef] = []
    ) {
        self.accepted = accepted
        self.rejected = rejected
        self.conflicts = conflicts
        self.serverTimeMillis = serverTimeMillis
        self.cursor = cursor
        self.removedRecords = removedRecords
    }

    enum CodingKeys: String, CodingKey {
        case format, accepted, rejected, conflicts, cursor
        case serverTime = "server_time"
        case removedRecords = "removed_records"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try WireFormat.check(container, .format, expected: Self.format)
        accepted = try container.decode(Int.self, forKey: .accepted)
        conflicts = try container.decode(Int.self, forKey: .conflicts)
        serverTimeMillis = try container.decode(UInt64.self, forKey: .serverTime)
        rejected = try WireRejection.rejections(
            container.decode([WireRejection].self, forKey: .rejected), path: "rejected")
        cursor = try container.decodeIfPresent(String.self, forKey: .cursor).map(PushResponse.cursor)
        removedRecords = try container.decodeIfPresent([WireRecordRef].self, forKey: .removedRecords)?.map(\.ref) ?? []
        try WireRecordRef.check(removedRecords)
    }

    /// Reads the `cursor` of a push's answer.
    static func cursor(_ text: String) throws -> PullCursor {
        guard let cursor = PullCursor(text) else { throw WireError.malformed("cursor is not a pull cursor") }
        return cursor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(accepted, forKey: .accepted)
        try container.encode(conflicts, forKey: .conflicts)
        try container.encode(serverTimeMillis, forKey: .serverTime)
        try container.encode(rejected.map(WireRejection.init), forKey: .rejected)
        try container.encodeIfPresent(cursor?.description, forKey: .cursor)
        if !removedRecords.isEmpty {
            try container.encode(removedRecords.map(WireRecordRef.init), forKey: .removedRecords)
        }
    }
}

/// Checks a document's `format` key.
enum WireFormat {
    static func check<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key, expected: String) throws {
        let format = try container.decode(String.self, forKey: key)
        guard format == expected else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "expected \"\(expected)\", got \"\(format)\"")
        }
    }
}
