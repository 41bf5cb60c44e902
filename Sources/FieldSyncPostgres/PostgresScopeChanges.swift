import FieldSyncCore
import FieldSyncService
import Logging
import PostgresNIO

/// `svc_scope_changes`, as in the SQLite store (`ScopeChanges`): which
/// managers' books each transaction changed, so that a manager's pull reads
/// only the transactions that touched her customers. Walking every change
/// since her cursor was most of PostgreSQL's time per visit under
/// `fieldsync-bench load` (pg_stat_statements: 2.9 ms of pull queries a
/// visit, reading 132 rows to find one).
///
/// A push notes its owners in the trigger that takes the counter at commit
/// (`PostgresLayout.takeCounter`); a reassignment or a settlement, which
/// take the counter themselves, as they save it (`ServiceState.save`).
///
/// `svc_state.scope_noted` is the seq through which every transaction
/// noted. A transaction moves it only on from the seq before its own, so a
/// writer that does not note (an older release still running during an
/// upgrade) leaves it behind for good. Pulls then walk every change, as
/// before this table, until the service's next start fills it in (`fillIn`).
enum PostgresScopeChanges {
    /// Migration: the table, the mark (set behind, so the next start fills
    /// the table in from every record), and the trigger that notes.
    static func migration(_ schema: Schema, trigger: String) -> [String] {
        [
            """
            CREATE TABLE svc_scope_changes(
              owner text COLLATE "C" NOT NULL, seq bigint NOT NULL, PRIMARY KEY(owner, seq))
            """,
            "ALTER TABLE svc_state ADD COLUMN scope_noted bigint NOT NULL DEFAULT 0",
            "UPDATE svc_state SET scope_noted = -1",
            trigger,
        ]
    }

    /// Moves `scope_noted` with the counter, to `counter` (an SQL expression:
    /// the counter's new value), when it was level with it: for an `UPDATE
    /// svc_state` that moves `seq` on.
    static func advancingMark(to counter: String = "seq + 1") -> String {
        "scope_noted = CASE WHEN scope_noted = seq THEN \(counter) ELSE scope_noted END"
    }

    /// Notes the owners of the rows stamped with `seq` (an SQL expression).
    /// Only once the transaction holds the counter: a reassignment that
    /// commits first must be seen, or a record it gave away would be noted
    /// under its former owner only.
    static func noting(_ schema: Schema, seq: String) -> String {
        noting(schema, rows: "c.seq = \(seq)")
    }

    /// Notes the owners of the rows matching `condition` (over the clock table `c`) under their seq.
    private static func noting(_ schema: Schema, rows condition: String) -> String {
        "INSERT INTO svc_scope_changes(owner, seq) SELECT o.owner, o.seq FROM ("
            + ScopeChanges.owners(schema, rows: condition) + ") o(owner, seq) ON CONFLICT DO NOTHING"
    }

    /// The condition on `svc_scope_changes s` for a manager's pull page from
    /// counter `from` on, through `through` when the page is full up to there
    /// (`PostgresCentralStore.recordsChanged`); nil for supervisors and admins,
    /// who walk every change, or while the table lacks a transaction
    /// (`noted`: the mark is level with the counter).
    static func narrowing(for scope: Scope, from seq: Int64, through bound: Int64?, noted: Bool) -> PostgresStatement? {
        guard noted, let narrowing = ScopeChanges.narrowing(for: scope) else { return nil }
        var statement = PostgresStatement(
            narrowing.sql, narrowing.arguments.map(PostgresArgument.text) + [.integer(seq)])
        if let bound {
            // Said of `s` too: PostgreSQL does not carry the rows' bound out of the lateral join.
            statement.sql += " AND s.seq <= ?"
            statement.arguments.append(.integer(bound))
        }
        return statement
    }

    /// Fills the table in unless every transaction noted: every record
    /// changed past the mark, under its current seq (all a pull reads). Holds
    /// the counter meanwhile, so nothing commits between the rows read and
    /// the mark.
    static func fillIn(_ connection: PostgresConnection, _ schema: Schema, logger: Logger) async throws {
        let row = try await connection.rows(
            "SELECT seq, scope_noted FROM svc_state WHERE id = 1 FOR UPDATE", logger: logger
        ).first
        guard let row else { return }
        let (seq, mark) = (try row[0].decode(Int64.self), try row[1].decode(Int64.self))
        guard mark != seq else { return }
        // Every transaction through the mark noted; a record changed since carries a seq past it.
        try await connection.run(noting(schema, rows: "c.seq > \(mark)"), logger: logger)
        try await connection.run("UPDATE svc_state SET scope_noted = seq WHERE id = 1", logger: logger)
        logger.info("index of changes by manager filled in", metadata: ["through": "\(seq)"])
    }
}
