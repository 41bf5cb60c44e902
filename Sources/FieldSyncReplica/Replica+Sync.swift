import FieldSyncCore
import GRDB

/// Keys of the sync state kept in `fs_meta`.
enum SyncKey: String {
    case serverURL = "server_url"
    case token = "token"
    case pullCursor = "pull_cursor"
    case lastSync = "last_sync_ms"
    case openConflicts = "open_conflicts"
    case clockOffset = "clock_offset_ms"
    case syncsAs = "syncs_as"
}

/// What the replica knows of its sync with the service, for `status`.
public struct SyncState: Sendable {
    public var serverURL: String?
    public var hasToken: Bool
    /// The manager a replica created without one syncs as (`syncsAs`).
    public var syncsAs: String?
    public var pullCursor: PullCursor
    /// When the last sync completed, Unix milliseconds.
    public var lastSyncMillis: UInt64?
    /// Open conflicts involving this manager, as of the last sync.
    public var openConflicts: Int?
    public var pending: Int
    public var rejected: Int
    /// How far ahead of the service this device's clock was found, when it was.
    public var clockOffsetMillis: UInt64
}

extension Replica {
    // MARK: - Settings

    public var serverURL: String? { get throws { try meta(SyncKey.serverURL.rawValue) } }
    public var token: String? { get throws { try meta(SyncKey.token.rawValue) } }

    /// Sets the service to sync with. Another service than the one set
    /// before also forgets the pull cursor (returns true when there was one):
    /// a cursor means something only to the service that issued it, and one
    /// not ahead of the new service would skip its rows up to it. The next
    /// pull brings everything again; merging is idempotent.
    @discardableResult
    public func setServer(url: String, token: String?) throws -> Bool {
        try storageCall {
            try database.write { db in
                let previous = try Self.meta(db, SyncKey.serverURL.rawValue)
                try Self.setMeta(db, SyncKey.serverURL.rawValue, url)
                if let token { try Self.setMeta(db, SyncKey.token.rawValue, token) }
                guard let previous, previous != url, try Self.meta(db, SyncKey.pullCursor.rawValue) != nil else {
                    return false
                }
                try Self.removeMeta(db, SyncKey.pullCursor.rawValue)
                return true
            }
        }
    }

    /// The manager this replica syncs as, named on every push, pull and
    /// digest so that the service refuses another manager's token: its own
    /// manager, or, for a replica created without one, the manager whose
    /// token its first pull used (kept when the service's address changes:
    /// the data here is theirs). Nil until then.
    public func syncsAs() throws -> String? {
        try read { db in try syncsAs(db) }
    }

    private func syncsAs(_ db: Database) throws -> String? {
        try managerID ?? Self.meta(db, SyncKey.syncsAs.rawValue)
    }

    public func setToken(_ token: String) throws { try setMeta(SyncKey.token.rawValue, token) }

    public func pullCursor() throws -> PullCursor {
        try meta(SyncKey.pullCursor.rawValue).flatMap(PullCursor.init) ?? .start
    }

    public func syncState() throws -> SyncState {
        try read { db in
            let meta = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, cached: "SELECT key, value FROM fs_meta").map {
                    ($0["key"] as String, $0["value"] as String)
                })
            return SyncState(
                serverURL: meta[SyncKey.serverURL.rawValue], hasToken: meta[SyncKey.token.rawValue] != nil,
                syncsAs: try syncsAs(db),
                pullCursor: meta[SyncKey.pullCursor.rawValue].flatMap(PullCursor.init) ?? .start,
                lastSyncMillis: meta[SyncKey.lastSync.rawValue].flatMap { UInt64($0) },
                openConflicts: meta[SyncKey.openConflicts.rawValue].flatMap { Int($0) },
                pending: try Int.fetchOne(db, cached: "SELECT count(*) FROM fs_pending") ?? 0,
                rejected: try Int.fetchOne(db, cached: "SELECT count(*) FROM fs_rejected") ?? 0,
                clockOffsetMillis: meta[SyncKey.clockOffset.rawValue].flatMap { UInt64($0) } ?? 0)
        }
    }

    /// Notes a completed sync, and the open conflicts it counted (nil: it
    /// could not count them, so an earlier count is not shown as current).
    public func recordSync(atMillis: UInt64, openConflicts: Int?) throws {
        try storageCall {
            try database.write { db in
                try Self.setMeta(db, SyncKey.lastSync.rawValue, String(atMillis))
                try Self.storeOpenConflicts(db, openConflicts)
            }
        }
    }

    /// One conflict the last sync counted open is settled (from this
    /// device), so `status` does not go on showing it open.
    public func noteConflictSettled() throws {
        try storageCall {
            try database.write { db in
                guard let count = try Self.meta(db, SyncKey.openConflicts.rawValue).flatMap({ Int($0) }), count > 0
                else { return }
                try Self.storeOpenConflicts(db, count - 1)
            }
        }
    }

    private static func storeOpenConflicts(_ db: Database, _ count: Int?) throws {
        if let count {
            try setMeta(db, SyncKey.openConflicts.rawValue, String(count))
        } else {
            try removeMeta(db, SyncKey.openConflicts.rawValue)
        }
    }

    // MARK: - Pull

    /// Merges one pulled page, removes the customers it says left this
    /// manager's scope, and keeps its cursor, in one transaction: a pull
    /// interrupted after this resumes from the next page.
    @discardableResult
    public func applyPulled(
        _ changeSet: ChangeSet, cursor: PullCursor, removing customers: [String] = [],
        removingRecords records: [RecordRef] = [], syncedAs manager: String? = nil
    ) throws -> MergeOutcome {
        try checkSchemaVersion(changeSet)
        return try writeTransaction { db in
            var outcome = try merge(db, changeSet.changes, checkingClock: false)
            try settle(db, changeSet.changes)
            (outcome.removedCustomers, outcome.removedRecords) = try remove(
                db, customers: customers, records: records)
            try storePullCursor(db, cursor)
            if let manager, try syncsAs(db) == nil {
                try Self.setMeta(db, SyncKey.syncsAs.rawValue, manager)
            }
            return outcome
        }
    }

    private func storePullCursor(_ db: Database, _ cursor: PullCursor) throws {
        try Self.setMeta(db, SyncKey.pullCursor.rawValue, cursor.description)
    }

    // MARK: - Push

    /// Settles pending changes after a push: accepted ones leave `fs_pending`
    /// (a newer unsent edit of the same field stays, now based on the pushed
    /// version); rejected ones move to `fs_rejected` with the reason. A
    /// `clock_skew` rejection is not kept: `restamp` re-stamps those.
    /// `resumingPull`: the service's answer said that the replica, its cursor
    /// `from` when it pushed, now holds everything through `to`; the cursor
    /// moves there unless a pull moved it meanwhile, or a pushed row was set
    /// back here and must come back from the service (`markUnsettled`).
    /// `removing`: records the service files under another manager's
    /// customer, deleted here as a pull deletes them; returns how many of
    /// them this device held.
    @discardableResult
    public func acknowledgePush(
        sent: [FieldChange], rejected: [ChangeRejection], atMillis: UInt64,
        resumingPull resume: (from: PullCursor, to: PullCursor)? = nil, removing records: [RecordRef] = []
    ) throws -> Int {
        let refused = Dictionary(
            rejected.map { ($0.field, $0) }, uniquingKeysWith: { first, _ in first })
        return try writeTransaction { db in
            for change in sent {
                let key: [(any DatabaseValueConvertible)?] = [change.table, change.rowID, change.column]
                let version: [(any DatabaseValueConvertible)?] = [
                    change.version.storedTimestamp, change.version.storedReplica,
                ]
                if let rejection = refused[change.field], rejection.version == change.version {
                    guard rejection.code != .clockSkew else { continue }
                    try db.execute(
                        cached: """
                            INSERT INTO fs_rejected(tbl, row_id, col, value, hlc, replica, base_hlc, base_replica,
                              code, message, rejected_at, current_value, current_hlc, current_replica)
                            SELECT tbl, row_id, col, value, hlc, replica, base_hlc, base_replica, ?, ?, ?, ?, ?, ?
                            FROM fs_pending WHERE tbl = ? AND row_id = ? AND col = ? AND hlc = ? AND replica = ?
                            ON CONFLICT(tbl, row_id, col) DO UPDATE SET
                              value = excluded.value, hlc = excluded.hlc, replica = excluded.replica,
                              code = excluded.code, message = excluded.message, rejected_at = excluded.rejected_at,
                              current_value = excluded.current_value, current_hlc = excluded.current_hlc,
                              current_replica = excluded.current_replica
                            """,
                        arguments: StatementArguments(
                            [
                                rejection.code.rawValue, rejection.message, Int64(atMillis),
                                rejection.current?.value.databaseValue, rejection.current?.version.storedTimestamp,
                                rejection.current?.version.storedReplica,
                            ] + key + version))
                    try db.execute(
                        cached:
                            "DELETE FROM fs_pending WHERE tbl = ? AND row_id = ? AND col = ? AND hlc = ? AND replica = ?",
                        arguments: StatementArguments(key + version))
                } else {
                    try db.execute(
                        cached:
                            "DELETE FROM fs_pending WHERE tbl = ? AND row_id = ? AND col = ? AND hlc = ? AND replica = ?",
                        arguments: StatementArguments(key + version))
                    guard db.changesCount == 0 else { continue }
                    // A newer edit made while the push was in flight: the service now holds the pushed version.
                    try db.execute(
                        cached:
                            "UPDATE fs_pending SET base_hlc = ?, base_replica = ? WHERE tbl = ? AND row_id = ? AND col = ?",
                        arguments: StatementArguments(version + key))
                }
            }
            try fileRefusedMovesBack(db, rejected)
            let removed = try remove(db, customers: [], records: records).records
            if let resume, try !isUnsettled(db, anyOf: sent) {
                let stored = try Self.meta(db, SyncKey.pullCursor.rawValue)
                if (stored.flatMap(PullCursor.init) ?? .start) == resume.from { try storePullCursor(db, resume.to) }
            }
            return removed
        }
    }

    // MARK: - Clock

    /// Takes the service's clock as the reference when this device's clock
    /// runs ahead of it: from then on the replica stamps with the device's
    /// time minus that offset. The offset is taken when the device is more
    /// than the drift bound ahead, or when the service refused a change as
    /// too far ahead (`serviceRefused`: its bound may be tighter), and kept
    /// while the device stays ahead; a corrected device clock drops it.
    /// Returns how far ahead of the service the device's clock is.
    @discardableResult
    public func adjustClock(serverTimeMillis: UInt64, serviceRefused: Bool = false) throws -> UInt64 {
        let device = deviceWallClock()
        let ahead = device > serverTimeMillis ? device - serverTimeMillis : 0
        // Beyond network delay and ordinary drift, the device is ahead.
        let noticeable = ahead > 2_000
        let offset = noticeable && (serviceRefused || clockOffsetMillis > 0 || ahead > clock.maxDriftMillis) ? ahead : 0
        if offset != clockOffsetMillis {
            clockOffsetMillis = offset
            clock = Self.makeClock(
                last: clock.last, maxDriftMillis: clock.maxDriftMillis, wallClock: deviceWallClock, offset: offset)
            try setMeta(SyncKey.clockOffset.rawValue, String(offset))
        }
        return ahead
    }

    /// Re-stamps the pending changes the service refused as too far ahead of
    /// its clock (`clock_skew`), against the service's time, so a device whose
    /// clock ran ahead does not win later edits made elsewhere. The clock
    /// itself goes back too. Nothing is lost: values stay, only versions
    /// change. `held`: the versions the service holds for those fields (the
    /// rejections' `current`); a re-stamped edit supersedes this replica's
    /// own among them. Returns how many changes were re-stamped.
    @discardableResult
    public func restampPending(
        _ fields: Set<FieldRef>, serverTimeMillis: UInt64, superseding held: [Version] = []
    ) throws -> Int {
        try adjustClock(serverTimeMillis: serverTimeMillis, serviceRefused: true)
        return try writeTransaction { db in
            // The stored clock ran ahead with the device: start again from the service's time.
            clock = Self.makeClock(
                last: .zero, maxDriftMillis: clock.maxDriftMillis, wallClock: deviceWallClock,
                offset: clockOffsetMillis)
            let refused = try Row.fetchAll(
                db, cached: "SELECT tbl, row_id, col, base_hlc FROM fs_pending ORDER BY tbl, row_id, col"
            ).filter { fields.contains(FieldRef(table: $0["tbl"], rowID: $0["row_id"], column: $0["col"])) }
            // A re-stamped edit must still supersede what it was based on
            // (the service admitted those versions, so they are within its bound).
            for row in refused {
                if let base = row["base_hlc"] as Int64? {
                    clock.forceObserve(HybridTimestamp(rawValue: UInt64(bitPattern: base)))
                }
            }
            // This replica's own earlier edits the service holds, though their
            // push's answer was lost (so the base above is older): the later edit
            // must still win over them.
            for version in held where version.replica == replicaID { clock.forceObserve(version.timestamp) }
            var index = 0
            while index < refused.count {
                let tableName: String = refused[index]["tbl"]
                let id: String = refused[index]["row_id"]
                var end = index + 1
                while end < refused.count, refused[end]["tbl"] == tableName, refused[end]["row_id"] == id { end += 1 }
                defer { index = end }
                let table = try schema.table(tableName)
                guard let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first else {
                    continue
                }
                var versions = record.fieldVersions
                let version = Version(timestamp: clock.next(), replica: replicaID)
                for row in refused[index..<end] {
                    guard let column = table.columnIndex(row["col"]) else { continue }
                    versions[column] = version
                    try db.execute(
                        cached: "UPDATE fs_pending SET hlc = ?, replica = ? WHERE tbl = ? AND row_id = ? AND col = ?",
                        arguments: [
                            version.storedTimestamp, version.storedReplica, tableName, id, row["col"] as String,
                        ])
                }
                try db.execute(
                    cached: "UPDATE \(ReplicaLayout.clockTable(table)) SET seq = ?, versions = ? WHERE id = ?",
                    arguments: [transactionSeq, versions.encoded.databaseValue, id])
                transactionChanged = true
            }
            return refused.count
        }
    }
}
