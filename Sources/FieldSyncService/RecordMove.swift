import FieldSyncCore
import FieldSyncReplica

/// An interaction, task or holding given to another customer. When that
/// customer has another owner, the record leaves the previous owner's scope:
/// the store notes the move (`svc_moves`), and that owner's next pull lists
/// the record in `removed_records`, so their device lets it go.
package struct RecordMove {
    package let record: RecordRef
    package let fromCustomer: String
    package let toCustomer: String

    /// The move a change that won makes, or nil: a new customer for an existing record.
    package init?(_ change: FieldChange, old: Value, schema: Schema) {
        guard let table = try? schema.table(change.table), change.column == table.parentColumn,
            let from = old.textValue, let to = change.value.textValue, from != to
        else { return nil }
        record = RecordRef(table: change.table, rowID: change.rowID)
        fromCustomer = from
        toCustomer = to
    }

    /// SQL noting the move when the two customers' owners differ (one way
    /// in SQLite and PostgreSQL). Arguments: the transaction's seq, then `arguments`.
    package static func noting(_ scope: Scope) -> String {
        let customers = ReplicaLayout.quote(scope.ownerTable.name)
        let owner = ReplicaLayout.quote(scope.ownerColumn)
        return """
            INSERT INTO svc_moves(seq, tbl, row_id, from_owner)
            SELECT ?, ?, ?, p.\(owner) FROM \(customers) p
            WHERE p.id = ? AND p.\(owner) IS DISTINCT FROM (SELECT \(owner) FROM \(customers) WHERE id = ?)
            """
    }

    package var arguments: [String] { [record.table, record.rowID, fromCustomer, toCustomer] }
}
