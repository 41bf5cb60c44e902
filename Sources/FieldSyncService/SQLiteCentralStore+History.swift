import FieldSyncCore
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func history(table tableName: String, id: String, column: String?) throws -> RecordHistory {
        let table = try schema.table(tableName)
        if let column { _ = try table.column(column) }
        let id = try RowID.normalized(id)
        return try replica.read { db in
            var filter = "tbl = ? AND row_id = ?"
            var arguments: StatementArguments = [table.name, id]
            if let column {
                filter += " AND col = ?"
                arguments += [column]
            }
            let entries = try Row.fetchAll(
                db, sql: "SELECT * FROM svc_log WHERE \(filter) ORDER BY hlc, replica, col", arguments: arguments
            ).map { row in
                RecordHistory.Entry(
                    column: row["col"], value: Value(row["value"] as DatabaseValue),
                    oldValue: Value(row["old_value"] as DatabaseValue),
                    version: Version(timestamp: row["hlc"], replica: row["replica"])!, manager: row["manager"],
                    receivedAtMillis: UInt64(row["received_at"] as Int64), won: row["won"])
            }
            let conflicts = try Row.fetchAll(
                db, sql: "SELECT * FROM svc_conflicts WHERE \(filter) ORDER BY id", arguments: arguments
            ).map(Self.conflict(from:))
            let held = try Replica.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first != nil
            guard !entries.isEmpty || held else {
                throw ServiceError(.unknownRecord, "the service holds no \(table.name) record \(id)")
            }
            return RecordHistory(table: table.name, id: id, column: column, entries: entries, conflicts: conflicts)
        }
    }
}
