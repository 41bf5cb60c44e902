import FieldSyncCore
import GRDB

/// Cursors from a history the store no longer holds. A store restored from a
/// backup has lost what was committed after the backup, but devices that
/// pulled it still hold cursors past the restored counter. Once new
/// transactions took the counter past such a cursor, the device would skip
/// the new transactions below it, and never re-send the edits that the lost
/// history had acknowledged: lost for good, and every sync saying all is well.
///
/// So each opening of the store (a service instance starting, an
/// administration command) moves its counter to the wall clock, `now ×
/// 2^20`, unless it is past that already, before anything else writes, and
/// records the range it skipped. Every cursor issued before is below that floor (the
/// counter would have had to take more than a million transactions a
/// millisecond to pass it), so a cursor inside a skipped range was issued by
/// a history this store does not hold: the service answers `unknown_cursor`,
/// and the device re-sends its own edits and pulls everything again
/// (`Synchronizer.pull`). An empty store issued no cursor and keeps its
/// counter. The wall clock is injected, so tests are exact.
package enum CursorGaps {
    static let perMillisecond: Int64 = 1 << 20

    /// Where an opening at wall time `now` moves the counter from `counter`;
    /// nil when it stays (an empty store, or one already past).
    package static func start(from counter: Int64, now: UInt64) -> Int64? {
        guard counter > 0 else { return nil }
        let floor = Int64(min(now, UInt64(Int64.max / perMillisecond))) * perMillisecond
        return floor > counter ? floor : nil
    }

    /// The skipped ranges (`after`, `through`]: from the counter before an
    /// opening to just below the one it moved to, which is a cursor pulls may
    /// be given. The same in SQLite and PostgreSQL.
    package static let create = """
        CREATE TABLE IF NOT EXISTS svc_cursor_gaps(after bigint NOT NULL, through bigint PRIMARY KEY)
        """

    /// Records the range an opening skipped: bind the counter before it, then the new counter less one.
    package static let recording = "INSERT INTO svc_cursor_gaps(after, through) VALUES (?, ?)"

    /// Whether a skipped range holds `seq` (an SQL expression; `?` is bound twice): SQL for one boolean.
    package static func holds(_ seq: String) -> String {
        "EXISTS(SELECT 1 FROM svc_cursor_gaps WHERE through >= \(seq) AND after < \(seq))"
    }

    /// Whether `cursor` comes from a history the SQLite store lost.
    static func isLost(_ db: Database, _ cursor: PullCursor?) throws -> Bool {
        guard let cursor, cursor.seq > 0 else { return false }
        return try Bool.fetchOne(db, cached: "SELECT " + holds("?"), arguments: [cursor.seq, cursor.seq]) == true
    }

    package static let forgotten = ServiceError(
        .unknownCursor,
        "the cursor comes from changes this service no longer holds (its store was restored from a backup): re-send this device's own edits, then pull again from the start (after=0)"
    )
}
