import FieldSyncCore
import FieldSyncReplica

/// An interaction, task or holding given to another customer. The store
/// notes every such move (`svc_moves`) with the owner of the customer it
/// left; that owner's next pull lists the record in `removed_records` if it
/// is not in their scope then (`Scope.removedRecords`), so their device lets
/// it go. Noting every move, not only those between owners, keeps a record
/// moved between one manager's customers, one of which is reassigned later,
/// from staying on her device.
package struct RecordMove {
    package let record: RecordRef
    package let fromCustomer: String

    /// The move a change that won makes, or nil: a new customer for an existing record.
    package init?(_ change: FieldChange, old: Value, schema: Schema) {
        // A new record's customer replaces nothing: the common case, decided before any lookup.
        guard let from = old.textValue, change.value != old, let table = try? schema.table(change.table),
            change.column == table.parentColumn
        else { return nil }
        record = RecordRef(table: change.table, rowID: change.rowID)
        fromCustomer = from
    }

    /// SQL noting the move (one way in SQLite and PostgreSQL). Arguments:
    /// the transaction's seq, then `arguments`.
    package static func noting(_ scope: Scope) -> String {
        let owner = ReplicaLayout.quote(scope.ownerColumn)
        return """
            INSERT INTO svc_moves(seq, tbl, row_id, from_owner)
            SELECT ?, ?, ?, p.\(owner) FROM \(ReplicaLayout.quote(scope.ownerTable.name)) p
            WHERE p.id = ? AND p.\(owner) IS NOT NULL
            """
    }

    package var arguments: [String] { [record.table, record.rowID, fromCustomer] }
}
