import FieldSyncCore
import FieldSyncReplica

/// What the audit trail says about versions the service took in, and where
/// a push's conflicts go. The SQLite store asks and writes in its open
/// transaction; the PostgreSQL store answers from the log entries it read
/// first and writes the conflicts afterwards.
package protocol PushLedger {
    /// Who pushed a version of a field; nil when the log does not have it.
    func logged(_ table: String, _ rowID: String, _ column: String, _ version: Version) throws -> LoggedVersion?
    /// The transaction that took a version of a field in; nil when the log
    /// does not have it. Asked only while deciding a deletion, so a store
    /// may read it only for pushes that delete.
    func loggedSeq(_ table: String, _ rowID: String, _ column: String, _ version: Version) throws -> Int64?
    /// Records a conflict unless the same one (field and both versions) is known.
    mutating func record(
        _ kind: Conflict.Kind, table: String, rowID: String, column: String, _ one: Conflict.Side,
        _ other: Conflict.Side
    ) throws
}

/// A version of a field the audit trail holds: who pushed it (nil: the service's own edit).
package struct LoggedVersion: Equatable, Sendable {
    package let manager: String?

    package init(manager: String?) { self.manager = manager }
}

extension PushLedger {
    /// The side already held by the service, attributed from the log.
    func side(_ table: String, _ rowID: String, _ column: String, _ value: Value, _ version: Version) throws
        -> Conflict.Side
    {
        Conflict.Side(
            column: column, value: value, version: version, manager: try logged(table, rowID, column, version)?.manager)
    }
}

/// What a push does, decided record by record before anything is merged:
/// the changes the caller may not make (each with why), the conflicts it
/// causes (recorded in the ledger), and the fresh changes to merge with the
/// value each one found. The same rules for every store.
package struct PushPlan {
    package var fresh: [(change: FieldChange, old: Value)] = []
    package var refused: [ChangeRejection] = []

    /// How far a pushing replica had pulled, from the cursor its push
    /// carries: one ahead of the service's counter (the service's data was
    /// replaced since) vouches for nothing.
    package static func seenThrough(_ cursor: PullCursor?, committed: Int64) -> Int64 {
        guard let cursor, cursor.seq <= committed else { return 0 }
        return cursor.completeThrough
    }

    /// Whether deciding these changes reads how far the replica had pulled,
    /// and the log's transaction numbers: only a delete does.
    package static func readsSeqs(_ accepted: [FieldChange]) -> Bool {
        accepted.contains { $0.column == TableSchema.deletedColumn && $0.value == .integer(1) }
    }

    /// `accepted` is screened and sorted by record; `record` gives what the
    /// service holds for a record; `seenThrough` is how far the pushing
    /// replica had pulled (a delete conflicts only with edits it had not seen).
    package init<Facts: ScopeFacts>(
        _ accepted: [FieldChange], schema: Schema, caller: Manager, seenThrough: Int64,
        gate: inout ScopeGate<Facts>, ledger: inout some PushLedger,
        record: (TableSchema, String) throws -> FieldSyncReplica.Record?
    ) throws {
        for run in ChangeSet(schemaVersion: schema.version, changes: accepted).rowRuns {
            let rowChanges = accepted[run]
            let first = rowChanges[rowChanges.startIndex]
            let table = try schema.table(first.table)
            let record = try record(table, first.rowID)
            let deletedIndex = table.columns.count - 1
            let outOfScope = try gate.refusals(rowChanges, table: table, record: record)
            let incomplete =
                record == nil
                ? Self.missingRequired(table, rowChanges.indices.filter { outOfScope[$0] == nil }.map { accepted[$0] })
                : nil
            if incomplete != nil { gate.forgetCreated(first.rowID) }
            for (position, change) in zip(rowChanges.indices, rowChanges) {
                if let reason = outOfScope[position] {
                    refused.append(
                        ChangeRejection(field: change.field, version: change.version, code: .forbidden, message: reason)
                    )
                    continue
                }
                if let incomplete {
                    refused.append(
                        ChangeRejection(
                            field: change.field, version: change.version, code: .requiredField, message: incomplete))
                    continue
                }
                let index = table.columnIndex(change.column)!
                let current = record?.versions[index]
                // A re-sent change: already taken in, nothing to do. (Only a record the
                // service holds can have taken a change in: it never removes records.)
                if current == change.version { continue }
                if record != nil, try ledger.logged(change.table, change.rowID, change.column, change.version) != nil {
                    continue
                }
                let currentValue = record?.values[index] ?? .null
                fresh.append((change, currentValue))
                let mine = Conflict.Side(
                    column: change.column, value: change.value, version: change.version, manager: caller.id)
                // Two edits of the field without seeing each other.
                if let current, change.base != current, current.replica != change.version.replica {
                    try ledger.record(
                        .field, table: table.name, rowID: change.rowID, column: change.column,
                        mine, ledger.side(table.name, change.rowID, change.column, currentValue, current))
                }
                guard let record else { continue }
                if index != deletedIndex {
                    // An edit landing on a deleted record.
                    if record.isDeleted, let deletion = record.versions[deletedIndex],
                        deletion.replica != change.version.replica,
                        !rowChanges.contains(where: {
                            $0.column == TableSchema.deletedColumn && $0.value == .integer(0)
                        })
                    {
                        try ledger.record(
                            .editOnDeleted, table: table.name, rowID: change.rowID, column: change.column, mine,
                            ledger.side(table.name, change.rowID, TableSchema.deletedColumn, .integer(1), deletion))
                    }
                } else if change.value == .integer(1), !record.isDeleted,
                    current.map({ MergeRule.incoming(change.version, wins: $0) }) ?? true
                {
                    // A delete made without seeing an edit of another field.
                    for (other, version) in record.versions.enumerated() where other != deletedIndex {
                        guard let version, version.replica != change.version.replica,
                            try ledger.loggedSeq(table.name, change.rowID, table.columns[other].name, version)
                                .map({ $0 > seenThrough }) ?? false
                        else { continue }
                        let column = table.columns[other].name
                        try ledger.record(
                            .editOnDeleted, table: table.name, rowID: change.rowID, column: column,
                            ledger.side(table.name, change.rowID, column, record.values[other], version), mine)
                    }
                }
            }
        }
    }

    /// Why changes creating a record may not be taken: they must give every
    /// required field a value, or the service would hand other devices a
    /// record they could not have written (a customer without a name). Nil when complete.
    static func missingRequired(_ table: TableSchema, _ changes: [FieldChange]) -> String? {
        let missing = table.requiredColumnsMissing(filled: Set(changes.filter { !$0.value.isNull }.map(\.column)))
        guard !changes.isEmpty, !missing.isEmpty else { return nil }
        return
            "a new \(table.name) record needs \(missing.map(\.name).joined(separator: ", ")) in the push that creates it: edit the record on the device that created it, and sync"
    }

    /// A new owner of an existing customer (a new customer's first owner is no reassignment).
    package static func reassignment(_ entry: (change: FieldChange, old: Value), won: Bool, scope: Scope) -> String? {
        guard won, entry.change.table == scope.ownerTable.name, entry.change.column == scope.ownerColumn,
            !entry.old.isNull, entry.change.value != entry.old
        else { return nil }
        return entry.change.value.textValue
    }
}
