import FieldSyncCore
import FieldSyncReplica
import GRDB

/// Which managers' books each transaction changed (`svc_scope_changes`:
/// owner, seq), so that a manager's pull reads only the transactions that
/// touched her customers. Walking every row changed since her cursor instead
/// meant, with a branch syncing at once, reading everyone else's visits to
/// find her own few rows.
///
/// A changing transaction notes the owners of the rows it stamped with its
/// counter just before it commits (`Replica.beforeCommittingChange`), so every
/// path that changes records (push, settlement, reassignment) is covered by
/// the same statement. A reassignment re-stamps the customer's records, so
/// they are noted under the new owner. The pull still checks each row's scope:
/// the index only narrows which transactions it reads.
///
/// `fs_meta`'s `scope_changes_through` names the last transaction noted. A
/// store whose counter is past it (made before the index, or written since by
/// a program that does not note, such as an older release) gets the index
/// filled in when the service opens it.
///
/// The PostgreSQL store keeps the same table, noted at commit
/// (`PostgresScopeChanges`).
package enum ScopeChanges {
    static let create = """
        CREATE TABLE IF NOT EXISTS svc_scope_changes(
          owner TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(owner, seq)) WITHOUT ROWID
        """

    /// What a manager's pull walks instead of every change: her transactions.
    static let source = "svc_scope_changes s"

    /// The condition on `source` for a manager's pull: her transactions from
    /// counter `?` on (the store binds the counter after these arguments).
    /// Nil for supervisors and admins, who walk every change (a branch spans
    /// owners, and an admin sees everything).
    package static func narrowing(for scope: Scope) -> SQLCondition? {
        guard scope.caller.role == .manager else { return nil }
        return SQLCondition("s.owner = ? AND s.seq >= ?", [scope.caller.id])
    }

    /// Whether a manager who holds everything through `cursor` would pull
    /// nothing now: no transaction after it touched her books or took one of
    /// her customers or their records away, and the cursor is one this store issued (through
    /// `committed`). False for supervisors and admins, whose pulls span owners.
    static func isCurrent(_ db: Database, _ scope: Scope, at cursor: PullCursor, committed: Int64) throws -> Bool {
        guard narrowing(for: scope) != nil, cursor.position == nil, cursor.seq <= committed else { return false }
        let later = try Bool.fetchOne(db, cached: laterChange, arguments: [scope.caller.id, cursor.seq])
        return later == false
    }

    private static let laterChange = "SELECT " + changedBooks(of: "?1", after: "?2")

    /// SQL for one boolean: whether a transaction after seq `after` (and
    /// before `before`, if given) touched `owner`'s books or took one of her
    /// customers or their records away; each argument an SQL expression.
    package static func changedBooks(of owner: String, after: String, before: String? = nil) -> String {
        let range = "seq > \(after)" + (before.map { " AND seq < \($0)" } ?? "")
        return """
            (EXISTS(SELECT 1 FROM svc_scope_changes WHERE owner = \(owner) AND \(range))
                OR EXISTS(SELECT 1 FROM svc_reassignments WHERE \(range) AND from_owner = \(owner))
                OR EXISTS(SELECT 1 FROM svc_moves WHERE \(range) AND from_owner = \(owner)))
            """
    }

    /// Notes the owners of the rows changed by transaction `?1` (then call `markNoted`).
    static func note(_ schema: Schema) -> String {
        "INSERT OR IGNORE INTO svc_scope_changes(owner, seq) " + owners(schema, rows: "c.seq = ?1")
    }

    /// Records that the index is complete through transaction `seq`.
    static func markNoted(_ db: Database, through seq: Int64) throws {
        try db.execute(
            cached: """
                INSERT INTO fs_meta(key, value) VALUES ('scope_changes_through', ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value
                """, arguments: [String(seq)])
    }

    /// Fills the index in unless it is complete through the store's last
    /// transaction: every row is noted under its current counter, all a pull
    /// reads. `created`: the table did not exist before this open.
    static func fillIn(_ db: Database, _ schema: Schema, created: Bool) throws {
        let seq = try meta(db, "seq") ?? 0
        guard try created || meta(db, "scope_changes_through") != seq else { return }
        try db.execute(sql: "INSERT OR IGNORE INTO svc_scope_changes(owner, seq) " + owners(schema, rows: "TRUE"))
        try markNoted(db, through: seq)
    }

    /// Keeps the index complete through a counter moved from `counter` to
    /// `start` with nothing committed in between (`CursorGaps`), if it was
    /// complete through `counter`.
    static func counterMoved(_ db: Database, from counter: Int64, to start: Int64) throws {
        if try meta(db, "scope_changes_through") == counter { try markNoted(db, through: start) }
    }

    /// An integer kept in `fs_meta`.
    static func meta(_ db: Database, _ key: String) throws -> Int64? {
        try String.fetchOne(db, sql: "SELECT value FROM fs_meta WHERE key = ?", arguments: [key]).flatMap { Int64($0) }
    }

    /// `SELECT owner, seq` of the rows matching `condition` (over the clock
    /// table `c`) in every table a manager owns: a customer's owner, a
    /// child's customer's owner. The same SQL in SQLite and PostgreSQL.
    package static func owners(_ schema: Schema, rows condition: String) -> String {
        schema.tables.compactMap { owners(of: $0, in: schema, where: condition) }.joined(separator: " UNION ")
    }

    private static func owners(of table: TableSchema, in schema: Schema, where condition: String) -> String? {
        let clock = ReplicaLayout.clockTable(table)
        let records = ReplicaLayout.quote(table.name)
        if let owner = table.ownerColumn {
            let column = "t.\(ReplicaLayout.quote(owner))"
            return """
                SELECT \(column), c.seq FROM \(clock) c JOIN \(records) t ON t.id = c.id
                WHERE \(condition) AND \(column) IS NOT NULL
                """
        }
        guard let parent = table.parentColumn,
            let ownerTable = schema.tables.first(where: { $0.ownerColumn != nil }),
            let owner = ownerTable.ownerColumn
        else { return nil }
        let column = "p.\(ReplicaLayout.quote(owner))"
        return """
            SELECT \(column), c.seq FROM \(clock) c JOIN \(records) t ON t.id = c.id
            JOIN \(ReplicaLayout.quote(ownerTable.name)) p ON p.id = t.\(ReplicaLayout.quote(parent))
            WHERE \(condition) AND \(column) IS NOT NULL
            """
    }
}
