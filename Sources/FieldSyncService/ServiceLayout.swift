import FieldSyncCore
import FieldSyncReplica

/// The service's own tables, beside the records and versions the central
/// copy keeps in the same layout as a device replica (ReplicaLayout).
///
/// - `svc_log`: every accepted field change, once: who pushed it, from which
///   replica, when, the value it wrote and the value it replaced, and the
///   transaction (`seq`) that took it in. It attributes a field's current
///   version to a manager, tells whether a replica had pulled a change, and
///   is the audit trail.
/// - `svc_conflicts`: conflicts, unique by field and the two versions, so
///   however often a change is re-sent and whichever side arrives first the
///   same conflict is recorded once. Side `a` is the older version.
/// - `svc_managers` and `svc_tokens`: who may call, in which role and branch;
///   tokens by their SHA-256 only.
/// - `svc_reassignments`: each change of a customer's owner, with the
///   transaction that made it, so the previous owner's next pull can remove
///   the customer from their device.
/// - `svc_moves`: each interaction, task or holding moved to a customer of
///   another owner, with the transaction and the owner it left, so that
///   owner's next pull can remove the record from their device.
/// - `svc_scope_changes`: which owners' customers each transaction changed,
///   so a manager's pull reads only those transactions (`ScopeChanges`).
enum ServiceLayout {
    static func statements(for schema: Schema) -> [String] {
        var sql = [
            """
            CREATE TABLE IF NOT EXISTS svc_log(
              tbl TEXT NOT NULL, row_id TEXT NOT NULL, col TEXT NOT NULL,
              hlc INTEGER NOT NULL, replica INTEGER NOT NULL,
              seq INTEGER NOT NULL, manager TEXT, received_at INTEGER NOT NULL,
              value, old_value, won INTEGER NOT NULL,
              PRIMARY KEY(tbl, row_id, col, hlc, replica)) WITHOUT ROWID
            """,
            """
            CREATE TABLE IF NOT EXISTS svc_conflicts(
              id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
              tbl TEXT NOT NULL, row_id TEXT NOT NULL, col TEXT NOT NULL,
              a_col TEXT NOT NULL, a_value, a_hlc INTEGER NOT NULL, a_replica INTEGER NOT NULL, a_manager TEXT,
              b_col TEXT NOT NULL, b_value, b_hlc INTEGER NOT NULL, b_replica INTEGER NOT NULL, b_manager TEXT,
              detected_at INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'open',
              settled_by TEXT, settled_at INTEGER, settled_hlc INTEGER, settled_replica INTEGER,
              UNIQUE(tbl, row_id, col, a_hlc, a_replica, b_hlc, b_replica))
            """,
            "CREATE INDEX IF NOT EXISTS svc_conflicts_by_status ON svc_conflicts(status, id)",
            """
            CREATE TABLE IF NOT EXISTS svc_managers(
              id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, branch TEXT NOT NULL, role TEXT NOT NULL,
              created_at INTEGER NOT NULL, last_sync_at INTEGER)
            """,
            "CREATE INDEX IF NOT EXISTS svc_managers_by_branch ON svc_managers(branch)",
            """
            CREATE TABLE IF NOT EXISTS svc_tokens(
              hash BLOB PRIMARY KEY NOT NULL, manager TEXT NOT NULL REFERENCES svc_managers(id), hint TEXT NOT NULL,
              issued_at INTEGER NOT NULL, revoked_at INTEGER) WITHOUT ROWID
            """,
            """
            CREATE TABLE IF NOT EXISTS svc_reassignments(
              seq INTEGER NOT NULL, customer TEXT NOT NULL, from_owner TEXT, to_owner TEXT NOT NULL,
              hlc INTEGER NOT NULL, replica INTEGER NOT NULL, by_manager TEXT NOT NULL, at INTEGER NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS svc_reassignments_by_seq ON svc_reassignments(seq)",
            """
            CREATE TABLE IF NOT EXISTS svc_moves(
              seq INTEGER NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL, from_owner TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS svc_moves_by_seq ON svc_moves(seq)",
            "CREATE INDEX IF NOT EXISTS svc_log_by_manager ON svc_log(manager, received_at)",
            ScopeChanges.create,
            CursorGaps.create,
        ]
        // Pulls walk each table in change order.
        for table in schema.tables {
            let clock = ReplicaLayout.clockTable(table)
            sql.append("CREATE INDEX IF NOT EXISTS \(ReplicaLayout.quote("\(clock)_by_seq")) ON \(clock)(seq, id)")
            // Scope: a manager's customers, and their records.
            if let owner = table.ownerColumn {
                sql.append(
                    "CREATE INDEX IF NOT EXISTS \(ReplicaLayout.quote("\(table.name)_by_\(owner)")) ON \(ReplicaLayout.quote(table.name))(\(ReplicaLayout.quote(owner)))"
                )
            }
        }
        return sql
    }
}
