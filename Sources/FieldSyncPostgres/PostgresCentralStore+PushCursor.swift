import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    /// Where the pushing manager's pull may resume after her push (the
    /// answer's `cursor`, as the SQLite store gives it), or nil: only when
    /// the push was taken whole as her own edit (`marker`: its provisional
    /// seq; the caller checks the rest) and nothing her pull would bring
    /// committed between her cursor and the push.
    ///
    /// Asked after the push commits: before, a push does not know its seq (it
    /// takes the counter at commit) nor which transactions commit ahead of it.
    /// After, every transaction below its seq has committed (counters commit
    /// in order) and noted whose books it changed (`PostgresScopeChanges`, if
    /// the mark says every one did). The push has committed: failing to
    /// tell costs the device a pull of its own rows, not the push.
    func cursorAfterPush(_ marker: Int64, from cursor: PullCursor?, by caller: Manager) async -> PullCursor? {
        guard let cursor, cursor.position == nil, ScopeChanges.narrowing(for: Scope(caller, schema: schema)) != nil
        else { return nil }
        do {
            let seq = try await statement { connection in
                try await connection.value(
                    Int64.self, Self.resumingAfterPush, [.integer(marker), .text(caller.id), .integer(cursor.seq)],
                    prepared: true, logger: logger)
            }
            return seq.map { PullCursor(seq: $0) }
        } catch {
            logger.warning("no cursor for a committed push", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Bound: the push's marker, the manager, her cursor's seq. The push's
    /// seq if her pull from that cursor would bring nothing before it.
    private static let resumingAfterPush = """
        WITH k(marker, manager, after) AS (VALUES (?::bigint, ?::text, ?::bigint))
        SELECT p.seq FROM k JOIN svc_log_seqs p ON p.marker = k.marker JOIN svc_state s ON s.id = 1
        WHERE s.scope_noted >= p.seq AND k.after < p.seq
          AND NOT \(ScopeChanges.changedBooks(of: "k.manager", after: "k.after", before: "p.seq"))
          AND NOT \(CursorGaps.holds("k.after"))
        """
}
