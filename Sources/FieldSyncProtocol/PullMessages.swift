import FieldSyncCore

/// `GET /v1/pull?after=CURSOR&limit=N`: the rows changed after the cursor,
/// each with all its fields and their versions, in the service's change order.
public struct PullResponse: Codable, Sendable {
    public static let format = "fieldsync-pull"

    public var changeSet: ChangeSet
    /// Where the next page starts; the client keeps it with the page's rows.
    public var cursor: PullCursor
    /// Whether more rows wait after this page.
    public var more: Bool
    /// Customers the caller no longer sees (reassigned to another manager):
    /// the device removes each, with its interactions, tasks and holdings.
    public var removed: [String]
    /// Interactions, tasks and holdings the caller no longer sees (moved to
    /// another manager's customer): the device removes each.
    public var removedRecords: [RecordRef]
    /// The manager the token speaks for: a replica created without a manager
    /// syncs as them from its first pull on. Absent from older services.
    public var manager: String?
    public var serverTimeMillis: UInt64

    public init(
        changeSet: ChangeSet, cursor: PullCursor, more: Bool, removed: [String] = [], removedRecords: [RecordRef] = [],
        manager: String? = nil, serverTimeMillis: UInt64
    ) {
        self.changeSet = changeSet
        self.cursor = cursor
        self.more = more
        self.removed = removed
        self.removedRecords = removedRecords
        self.manager = manager
        self.serverTimeMillis = serverTimeMillis
    }

    enum CodingKeys: String, CodingKey {
        case format, rows, cursor, more, removed, manager
        case removedRecords = "removed_records"
        case schemaVersion = "schema_version"
        case serverTime = "server_time"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try WireFormat.check(container, .format, expected: Self.format)
        let schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        guard let cursor = PullCursor(try container.decode(String.self, forKey: .cursor)) else {
            throw WireError.malformed("cursor is not a pull cursor")
        }
        self.cursor = cursor
        more = try container.decode(Bool.self, forKey: .more)
        removed = try container.decodeIfPresent([String].self, forKey: .removed) ?? []
        guard removed.allSatisfy(RowID.isValid) else {
            throw WireError.malformed("removed holds something that is not a record id")
        }
        removedRecords = try container.decodeIfPresent([WireRecordRef].self, forKey: .removedRecords)?.map(\.ref) ?? []
        try WireRecordRef.check(removedRecords)
        manager = try container.decodeIfPresent(String.self, forKey: .manager)
        try Self.check(manager: manager)
        serverTimeMillis = try container.decode(UInt64.self, forKey: .serverTime)
        changeSet = ChangeSet(
            schemaVersion: schemaVersion,
            changes: try WireRow.changes(from: container.decode([WireRow].self, forKey: .rows)))
    }

    static func check(manager: String?) throws {
        guard let manager, !ManagerID.isValid(manager) else { return }
        throw WireError.malformed("manager is not a manager id")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(changeSet.schemaVersion, forKey: .schemaVersion)
        try container.encode(WireRow.rows(from: changeSet), forKey: .rows)
        try container.encode(cursor.description, forKey: .cursor)
        try container.encode(more, forKey: .more)
        try container.encode(removed, forKey: .removed)
        try container.encode(removedRecords.map(WireRecordRef.init), forKey: .removedRecords)
        try container.encodeIfPresent(manager, forKey: .manager)
        try container.encode(serverTimeMillis, forKey: .serverTime)
    }
}

/// `GET /v1/digest`: the service's digest of the caller's data (protocol/digest.md).
public struct DigestResponse: Codable, Sendable, Equatable {
    public var digest: String
    public var rows: Int
    public var serverTimeMillis: UInt64

    public init(digest: String, rows: Int, serverTimeMillis: UInt64) {
        self.digest = digest
        self.rows = rows
        self.serverTimeMillis = serverTimeMillis
    }

    enum CodingKeys: String, CodingKey {
        case digest, rows
        case serverTimeMillis = "server_time"
    }
}
