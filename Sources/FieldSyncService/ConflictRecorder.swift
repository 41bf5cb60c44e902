import FieldSyncCore
import FieldSyncReplica
import GRDB

/// Records conflicts and log entries inside a push's transaction on SQLite.
struct ConflictRecorder: PushLedger {
    let db: Database
    let detectedAt: UInt64
    private(set) var recorded = 0

    init(db: Database, detectedAt: UInt64) {
        self.db = db
        self.detectedAt = detectedAt
    }

    /// Records a conflict unless the same one (field and both versions) is known.
    mutating func record(
        _ kind: Conflict.Kind, table: String, rowID: String, column: String, _ one: Conflict.Side,
        _ other: Conflict.Side
    ) throws {
        let (a, b) = one.version < other.version ? (one, other) : (other, one)
        try db.execute(
            cached: """
                INSERT OR IGNORE INTO svc_conflicts(kind, tbl, row_id, col,
                  a_col, a_value, a_hlc, a_replica, a_manager, b_col, b_value, b_hlc, b_replica, b_manager, detected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                kind.rawValue, table, rowID, column,
                a.column, a.value.databaseValue, a.version.storedTimestamp, a.version.storedReplica, a.manager,
                b.column, b.value.databaseValue, b.version.storedTimestamp, b.version.storedReplica, b.manager,
                Int64(detectedAt),
            ])
        recorded += db.changesCount
    }

    func logged(_ table: String, _ rowID: String, _ column: String, _ version: Version) throws -> LoggedVersion? {
        try Row.fetchOne(
            db,
            cached: "SELECT manager FROM svc_log WHERE tbl = ? AND row_id = ? AND col = ? AND hlc = ? AND replica = ?",
            arguments: [table, rowID, column, version.storedTimestamp, version.storedReplica]
        ).map { LoggedVersion(manager: $0[0]) }
    }

    func loggedSeq(_ table: String, _ rowID: String, _ column: String, _ version: Version) throws -> Int64? {
        try Int64.fetchOne(
            db, cached: "SELECT seq FROM svc_log WHERE tbl = ? AND row_id = ? AND col = ? AND hlc = ? AND replica = ?",
            arguments: [table, rowID, column, version.storedTimestamp, version.storedReplica])
    }

    func log(_ change: FieldChange, seq: Int64, manager: String?, old: Value, won: Bool) throws {
        try db.execute(
            cached: """
                INSERT OR IGNORE INTO svc_log(tbl, row_id, col, hlc, replica, seq, manager, received_at, value, old_value, won)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                change.table, change.rowID, change.column, change.version.storedTimestamp, change.version.storedReplica,
                seq, manager, Int64(detectedAt), change.value.databaseValue, old.databaseValue, won,
            ])
    }
}
