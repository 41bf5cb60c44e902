import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica

/// A pull page put together table by table, in (seq, table, id) order: every
/// store reads each table's rows after the cursor, in order, at most one more
/// than the page holds (to know whether more follow).
package struct PullPage {
    package let limit: Int
    private var found: [(seq: Int64, tableIndex: Int, record: FieldSyncReplica.Record)] = []

    package init(limit: Int) { self.limit = max(1, limit) }

    /// How many rows to read from a table: the page and one more.
    package var rowsToRead: Int { limit + 1 }

    /// Once the page is full up to a change, later tables' rows after it cannot make it in.
    package var bound: Int64? { found.count > limit ? found.last?.seq : nil }

    /// Takes one table's rows (in seq, id order), keeping the page's first `limit + 1`.
    package mutating func add(_ rows: [(seq: Int64, record: FieldSyncReplica.Record)], tableIndex: Int) {
        found += rows.map { ($0.seq, tableIndex, $0.record) }
        found.sort { ($0.seq, $0.tableIndex, $0.record.id) < ($1.seq, $1.tableIndex, $1.record.id) }
        if found.count > rowsToRead { found.removeLast(found.count - rowsToRead) }
    }

    package var more: Bool { found.count > limit }

    /// Where the next page starts: after the last row of a partial page, else
    /// after everything committed when the page was read.
    package func next(committed: Int64) -> PullCursor {
        guard more, let last = found.prefix(limit).last else { return PullCursor(seq: committed) }
        return PullCursor(seq: last.seq, position: (last.tableIndex, last.record.id))
    }

    package func response(
        schema: Schema, committed: Int64, removed: [String], removedRecords: [RecordRef], serverTimeMillis: UInt64
    ) -> PullResponse {
        var changes: [FieldChange] = []
        for entry in found.prefix(limit) {
            for field in entry.record.versionedFields {
                changes.append(
                    FieldChange(
                        table: entry.record.table.name, rowID: entry.record.id, column: field.column,
                        value: field.value,
                        version: field.version))
            }
        }
        return PullResponse(
            changeSet: ChangeSet(schemaVersion: schema.version, changes: changes), cursor: next(committed: committed),
            more: more, removed: removed, removedRecords: removedRecords, serverTimeMillis: serverTimeMillis)
    }

    /// The condition (over the clock table `c`) on rows of table number
    /// `tableIndex` that come after `cursor` in (seq, table, id) order; its
    /// arguments are the seq, then the row id when there is one.
    package static func after(_ cursor: PullCursor, tableIndex: Int) -> (sql: String, seq: Int64, rowID: String?) {
        guard let position = cursor.position else { return ("c.seq > ?", cursor.seq, nil) }
        if tableIndex > position.tableIndex { return ("c.seq >= ?", cursor.seq, nil) }
        if tableIndex < position.tableIndex { return ("c.seq > ?", cursor.seq, nil) }
        // A row value, so the (seq, id) index starts right there and the page reads only its own rows.
        return ("(c.seq, c.id) > (?, ?)", cursor.seq, position.rowID)
    }

    /// A cursor from another service, from before this store was replaced, or
    /// (`skipped`) from a history it lost (`CursorGaps`).
    package static func checkCursor(_ cursor: PullCursor, committed: Int64, skipped: Bool) throws {
        if skipped { throw CursorGaps.forgotten }
        guard cursor.seq <= committed else {
            throw ServiceError(
                .unknownCursor,
                "the cursor is ahead of everything this service holds (it comes from another service, or one that was reset or restored from a backup): re-send this device's own edits, then pull again from the start (after=0)"
            )
        }
    }
}
