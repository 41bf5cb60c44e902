import FieldSyncCore
import FieldSyncReplica
import FieldSyncService

/// The central store's tables in PostgreSQL: the same layout as the SQLite
/// store (records in tables named after the schema's, each record's field
/// versions in `fs_clock_<table>`, the service's `svc_` tables), so the
/// scope SQL is shared. Text keys use the "C" collation: ids sort byte by
/// byte, as in SQLite and in the digest's canonical order.
///
/// `svc_state` is one row: the last change counter (`seq`), the service's
/// hybrid logical clock and replica id. Every transaction that changes
/// records updates it last (a push: as it commits), and holds its row lock
/// until commit (see `PostgresCentralStore`).
enum PostgresLayout {
    /// Applied in order, each once, recorded in `svc_migrations`.
    static func migrations(for schema: Schema) -> [[String]] {
        [
            initial(schema), counterAtCommit(schema), logSeqsByMarker(schema), markersFromSequence(),
            recordMoves(schema), scopeChanges(schema), [CursorGaps.create],
        ]
    }

    /// A push takes the counter when it commits, inside PostgreSQL, so the
    /// counter row is held only while the commit runs, never across a round
    /// trip to the service. The push writes its rows with a provisional seq
    /// (`lockForPush`, unique to the transaction) and adds a
    /// `svc_commits` row; that row's deferred trigger runs at COMMIT: it takes
    /// the counter, moves the clock, and gives the rows the counter's seq.
    /// (A later migration that adds a table replaces the function.)
    private static func counterAtCommit(_ schema: Schema) -> [String] {
        [
            // The trigger finds a push's log entries by their provisional seq.
            "CREATE INDEX svc_log_by_seq ON svc_log(seq)",
            "CREATE TABLE svc_commits(marker bigint PRIMARY KEY, newest bigint NOT NULL, wall_floor bigint NOT NULL)",
            takeCounter(schema, logging: "UPDATE svc_log SET seq = taken WHERE seq = NEW.marker;"),
            """
            CREATE CONSTRAINT TRIGGER svc_take_counter AFTER INSERT ON svc_commits
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION svc_take_counter()
            """,
        ]
    }

    /// From the moment the trigger takes the counter until commit, every
    /// other push waits for it, so the trigger does as little as it can: a
    /// push's log entries keep their provisional seq, and `svc_log_seqs`
    /// gives the counter's for it. Rewriting each entry was most of that
    /// wait (1.1 ms a push, from pg_stat_statements under `fieldsync-bench
    /// load`). A reader resolves an entry's seq there (`PushFacts`).
    private static func logSeqsByMarker(_ schema: Schema) -> [String] {
        [
            "CREATE TABLE svc_log_seqs(marker bigint PRIMARY KEY, seq bigint NOT NULL)",
            "DROP INDEX svc_log_by_seq",
            takeCounter(schema, logging: logSeqByMarker, replacing: true),
        ]
    }

    /// `svc_scope_changes` (`PostgresScopeChanges`): the trigger notes
    /// whose books each push changed.
    private static func scopeChanges(_ schema: Schema) -> [String] {
        PostgresScopeChanges.migration(
            schema, trigger: takeCounter(schema, logging: movesLogging, replacing: true, notingScope: true))
    }

    private static let logSeqByMarker = "INSERT INTO svc_log_seqs(marker, seq) VALUES (NEW.marker, taken);"

    /// `svc_moves`, as in SQLite (`ServiceLayout`): records moved to another
    /// owner's customer. A push notes them under its provisional seq, which
    /// the trigger replaces at commit, like a reassignment's.
    private static func recordMoves(_ schema: Schema) -> [String] {
        [
            """
            CREATE TABLE svc_moves(
              seq bigint NOT NULL, tbl text COLLATE "C" NOT NULL, row_id text COLLATE "C" NOT NULL,
              from_owner text COLLATE "C" NOT NULL)
            """,
            "CREATE INDEX svc_moves_by_seq ON svc_moves(seq)",
            takeCounter(schema, logging: movesLogging, replacing: true),
        ]
    }

    private static let movesLogging = logSeqByMarker + "\n  UPDATE svc_moves SET seq = taken WHERE seq = NEW.marker;"

    /// Provisional seqs were transaction ids (`-txid_current()`), which
    /// start again low in a cluster restored from a dump (pg_dump, then
    /// pg_restore): new pushes met markers already in `svc_log_seqs`, and
    /// could not commit until the ids passed the old ones. A sequence's
    /// value travels in the dump. It starts past every marker used so far,
    /// and 2^40 past the transaction ids: instances of the release before,
    /// still running during a rolling upgrade, go on taking ids as markers.
    private static func markersFromSequence() -> [String] {
        [
            "CREATE SEQUENCE svc_markers",
            """
            SELECT setval('svc_markers',
              greatest(txid_current() + 1099511627776, coalesce((SELECT -min(marker) FROM svc_log_seqs), 0)) + 1)
            """,
        ]
    }

    /// The trigger function that takes the counter at commit (`counterAtCommit`);
    /// `logging` gives the push's log entries their seq; `notingScope`, the
    /// lines of `PostgresScopeChanges`.
    private static func takeCounter(
        _ schema: Schema, logging: String, replacing: Bool = false, notingScope: Bool = false
    ) -> String {
        let clockTables = schema.tables.map {
            "UPDATE \(ReplicaLayout.clockTable($0)) SET seq = taken WHERE seq = NEW.marker;"
        }
        let mark = notingScope ? ", " + PostgresScopeChanges.advancingMark() : ""
        let counter = "UPDATE svc_state SET seq = seq + 1, clock = greatest(clock, NEW.newest, NEW.wall_floor) + 1" + mark
        let noting = notingScope ? "\n  " + PostgresScopeChanges.noting(schema, seq: "taken") + ";" : ""
        return """
            CREATE \(replacing ? "OR REPLACE " : "")FUNCTION svc_take_counter() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE taken bigint;
            BEGIN
              \(counter) WHERE id = 1
                RETURNING seq INTO taken;
              \(clockTables.joined(separator: "\n  "))
              \(logging)
              UPDATE svc_reassignments SET seq = taken WHERE seq = NEW.marker;\(noting)
              DELETE FROM svc_commits WHERE marker = NEW.marker;
              RETURN NULL;
            END $$
            """
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
            sql.append(
                "CREATE TABLE \(clock)(id text COLLATE \"C\" PRIMARY KEY, seq bigint NOT NULL, versions bytea NOT NULL)"
            )
            // Pulls walk each table in change order.
            sql.append("CREATE INDEX \(ReplicaLayout.quote("\(clock)_by_seq")) ON \(clock)(seq, id)")
            // Scope: a manager's customers, and their records.
            for column in [table.ownerColumn, table.parentColumn].compactMap({ $0 }) {
                sql.append(
                    "CREATE INDEX \(ReplicaLayout.quote("\(table.name)_by_\(column)")) ON \(name)(\(ReplicaLayout.quote(column)))"
                )
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
