import FieldSyncCore
import FieldSyncReplica

/// The central store's tables in PostgreSQL: the same layout as the SQLite
/// store (records in tables named after the schema's, each record's field
/// versions in `fs_clock_<table>`, the service's `svc_` tables), so the
/// scope SQL is shared. Text keys use the "C" collation: ids sort byte by
/// byte, as in SQLite and in the digest's canonical order.
///
/// `svc_state` is one row: the last change counter (`seq`), the service's
/// hybrid logical clock and replica id. Every transaction that changes
/// records updates it last, and holds its row lock until commit (see
/// `PostgresCentralStore+Push`).
enum PostgresLayout {
    /// Applied in order, each once, recorded in `svc_migrations`.
    static func migrations(for schema: Schema) -> [[String]] {
        [initial(schema)]
    }

    private static func initial(_ schema: Schema) -> [String] {
        var sql = [
            """
            CREATE TABLE svc_state(
              id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, clock bigint NOT NULL, replica bigint NOT NULL)
            """,
            """
            CREATE TABLE svc_log(
              tbl text COLLATE "C" NOT NULL, row_id text COLLATE "C" NOT NULL, col text COLLATE "C" NOT NULL,
              hlc bigint NOT NULL, replica bigint NOT NULL,
              seq bigint NOT NULL, manager text COLLATE "C", received_at bigint NOT NULL,
              value text COLLATE "C", old_value text COLLATE "C", won boolean NOT NULL,
              PRIMARY KEY(tbl, row_id, col, hlc, replica))
            """,
            "CREATE INDEX svc_log_by_manager ON svc_log(manager, received_at)",
            """
            CREATE TABLE svc_conflicts(
              id bigserial PRIMARY KEY, kind text NOT NULL,
              tbl text COLLATE "C" NOT NULL, row_id text COLLATE "C" NOT NULL, col text COLLATE "C" NOT NULL,
              a_col text NOT NULL, a_value text, a_hlc bigint NOT NULL, a_replica bigint NOT NULL, a_manager text,
              b_col text NOT NULL, b_value text, b_hlc bigint NOT NULL, b_replica bigint NOT NULL, b_manager text,
              detected_at bigint NOT NULL, status text NOT NULL DEFAULT 'open',
              settled_by text, settled_at bigint, settled_hlc bigint, settled_replica bigint,
              UNIQUE(tbl, row_id, col, a_hlc, a_replica, b_hlc, b_replica))
            """,
            "CREATE INDEX svc_conflicts_by_status ON svc_conflicts(status, id)",
            """
            CREATE TABLE svc_managers(
              id text COLLATE "C" PRIMARY KEY, name text NOT NULL, branch text COLLATE "C" NOT NULL, role text NOT NULL,
              created_at bigint NOT NULL, last_sync_at bigint)
            """,
            "CREATE INDEX svc_managers_by_branch ON svc_managers(branch)",
            """
            CREATE TABLE svc_tokens(
              hash bytea PRIMARY KEY, manager text COLLATE "C" NOT NULL REFERENCES svc_managers(id), hint text NOT NULL,
              issued_at bigint NOT NULL, revoked_at bigint)
            """,
            """
            CREATE TABLE svc_reassignments(
              seq bigint NOT NULL, customer text COLLATE "C" NOT NULL, from_owner text COLLATE "C",
              to_owner text COLLATE "C" NOT NULL, hlc bigint NOT NULL, replica bigint NOT NULL,
              by_manager text NOT NULL, at bigint NOT NULL)
            """,
            "CREATE INDEX svc_reassignments_by_seq ON svc_reassignments(seq)",
        ]
        for table in schema.tables {
            let name = ReplicaLayout.quote(table.name)
            var columns = ["id text COLLATE \"C\" PRIMARY KEY"]
            for column in table.columns {
                let quoted = ReplicaLayout.quote(column.name)
                if column.name == TableSchema.deletedColumn {
                    columns.append("\(quoted) bigint NOT NULL DEFAULT 0")
                } else {
                    columns.append("\(quoted) \(type(of: column))")
                }
            }
            sql.append("CREATE TABLE \(name)(\(columns.joined(separator: ", ")))")
            let clock = ReplicaLayout.clockTable(table)
            sql.append("CREATE TABLE \(clock)(id text COLLATE \"C\" PRIMARY KEY, seq bigint NOT NULL, versions bytea NOT NULL)")
            // Pulls walk each table in change order.
            sql.append("CREATE INDEX \(ReplicaLayout.quote("\(clock)_by_seq")) ON \(clock)(seq, id)")
            // Scope: a manager's customers, and their records.
            for column in [table.ownerColumn, table.parentColumn].compactMap({ $0 }) {
                sql.append(
                    "CREATE INDEX \(ReplicaLayout.quote("\(table.name)_by_\(column)")) ON \(name)(\(ReplicaLayout.quote(column)))")
            }
        }
        return sql
    }

    /// A column's PostgreSQL type; text in the "C" collation, so dates and ids compare as in SQLite.
    private static func type(of column: ColumnSchema) -> String {
        switch column.type.storage {
        case .integer: "bigint"
        case .real: "double precision"
        case .text: "text COLLATE \"C\""
        }
    }
}
