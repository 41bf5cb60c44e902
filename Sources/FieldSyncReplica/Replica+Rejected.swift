import FieldSyncCore
import GRDB

/// A pushed change the service refused, kept on the device.
public struct RejectedChange: Sendable {
    public var id: Int64
    public var change: FieldChange
    public var code: ErrorCode
    public var message: String
    public var rejectedAtMillis: UInt64
}

/// What discarding a rejected change did to the field on this device.
public enum DiscardEffect: Sendable, Equatable {
    /// Back to the value the service holds.
    case restoredFromService
    /// Back to empty (for `deleted`, 0): the service holds no value of it the device may see.
    case cleared
    /// Left as it is: a later edit of the field, still to be sent, replaced the refused one.
    case keptLaterEdit
    /// The record is not on this device (it left it, or was made only for refused changes).
    case recordGone
}

extension Replica {
    /// The changes the service refused, oldest first.
    public func rejectedChanges() throws -> [RejectedChange] {
        try read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM fs_rejected ORDER BY id").map { row in
                guard let version = Version(timestamp: row["hlc"], replica: row["replica"]) else {
                    throw ReplicaError(.storage, "fs_rejected holds an invalid version: the replica was edited by hand")
                }
                return RejectedChange(
                    id: row["id"],
                    change: FieldChange(
                        table: row["tbl"], rowID: row["row_id"], column: row["col"],
                        value: Value(row["value"] as DatabaseValue), version: version,
                        base: Version(timestamp: row["base_hlc"], replica: row["base_replica"])),
                    code: ErrorCode(rawValue: row["code"]), message: row["message"],
                    rejectedAtMillis: UInt64(row["rejected_at"] as Int64))
            }
        }
    }

    /// Drops a rejected change and puts the field back to what the service
    /// holds (as the rejection reported it), or clears it when the service
    /// holds nothing the device may see. Returns the discarded change and
    /// what became of the field.
    @discardableResult
    public func discardRejected(id: Int64) throws -> (change: RejectedChange, effect: DiscardEffect) {
        guard let rejected = try rejectedChanges().first(where: { $0.id == id }) else {
            throw ReplicaError(.unknownRecord, "no rejected change with id \(id); `fieldsync rejected list` shows them")
        }
        let table = try schema.table(rejected.change.table)
        let column = try table.column(rejected.change.column)
        return try writeTransaction { db in
            // The record this field named, which may have been kept only for it.
            var named: (table: String, id: String)?
            var effect = DiscardEffect.recordGone
            let row = try Row.fetchOne(
                db, cached: "SELECT current_value, current_hlc, current_replica FROM fs_rejected WHERE id = ?",
                arguments: [id])
            let current = row.flatMap { row in
                Version(timestamp: row["current_hlc"], replica: row["current_replica"]).map {
                    (Value(row["current_value"] as DatabaseValue), $0)
                }
            }
            let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [rejected.change.rowID]).first
            if record != nil { effect = .keptLaterEdit }
            if let record, let index = table.columnIndex(column.name), record.versions[index] == rejected.change.version
            {
                effect = current == nil ? .cleared : .restoredFromService
                if case .reference(let target) = column.type, case .text(let id) = record.values[index] {
                    named = (target, id)
                }
                try setField(
                    db, record, index,
                    to: current?.0 ?? (column.name == TableSchema.deletedColumn ? .integer(0) : .null),
                    version: current?.1)
                try markUnsettled(db, table: table.name, id: rejected.change.rowID)
            }
            try db.execute(cached: "DELETE FROM fs_rejected WHERE id = ?", arguments: [id])
            if try removeIfNeverSynced(db, table, id: rejected.change.rowID) { effect = .recordGone }
            if let named { try removeIfNeverSynced(db, try schema.table(named.table), id: named.id) }
            return (rejected, effect)
        }
    }
}

extension Replica {
    /// Files a record back under the customer the service holds it under
    /// when the service refused to move it (`forbidden`, with `current`):
    /// a pull removing the customer the device had moved it to must not take
    /// a record that stays in this manager's scope. The move stays among the
    /// rejected changes, for the manager to see.
    func fileRefusedMovesBack(_ db: Database, _ rejected: [ChangeRejection]) throws {
        for rejection in rejected where rejection.code == .forbidden {
            guard let current = rejection.current, let table = try? schema.table(rejection.field.table),
                rejection.field.column == table.parentColumn, let index = table.columnIndex(rejection.field.column),
                let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [rejection.field.rowID])
                    .first,
                record.versions[index] == rejection.version
            else { continue }
            try setField(db, record, index, to: current.value, version: current.version)
        }
    }

    /// Sets one field of a record, value and version, without queueing it.
    private func setField(_ db: Database, _ record: Record, _ index: Int, to value: Value, version: Version?) throws {
        let table = record.table
        var versions = record.fieldVersions
        versions[index] = version
        try db.execute(
            cached:
                "UPDATE \(ReplicaLayout.quote(table.name)) SET \(ReplicaLayout.quote(table.columns[index].name)) = ? WHERE id = ?",
            arguments: [value.databaseValue, record.id])
        try db.execute(
            cached: "UPDATE \(ReplicaLayout.clockTable(table)) SET seq = ?, versions = ? WHERE id = ?",
            arguments: [transactionSeq, versions.encoded.databaseValue, record.id])
        transactionChanged = true
    }
}
