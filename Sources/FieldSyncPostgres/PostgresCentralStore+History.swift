import FieldSyncCore
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    public func history(table tableName: String, id: String, column: String?) async throws -> RecordHistory {
        let table = try schema.table(tableName)
        if let column { _ = try table.column(column) }
        let id = try RowID.normalized(id)
        return try await transaction(readOnly: true) { connection in
            var filter = PostgresStatement("tbl = ? AND row_id = ?", [.text(table.name), .text(id)])
            if let column { filter.and(SQLCondition("col = ?", [column])) }
            let entries = try await connection.rows(
                PostgresStatement("SELECT * FROM svc_log WHERE \(filter.sql) ORDER BY hlc, replica, col", filter.arguments),
                logger: logger
            ).map { row in
                guard let version = Version(timestamp: try row.integer("hlc"), replica: try row.integer("replica")) else {
                    throw ServiceError(.storage, "the audit trail of \(table.name) record \(id) holds an invalid version")
                }
                return RecordHistory.Entry(
                    column: try row.text("col"), value: try PostgresValueText.decode(row.optionalText("value")),
                    oldValue: try PostgresValueText.decode(row.optionalText("old_value")), version: version,
                    manager: try row.optionalText("manager"), receivedAtMillis: UInt64(try row.integer("received_at")),
                    won: try row["won"].decode(Bool.self))
            }
            let conflicts = try await connection.rows(
                PostgresStatement("SELECT * FROM svc_conflicts WHERE \(filter.sql) ORDER BY id", filter.arguments),
                logger: logger
            ).map(Self.conflict(from:))
            let held = try await record(connection, table, id: id) != nil
            guard !entries.isEmpty || held else {
                throw ServiceError(.unknownRecord, "the service holds no \(table.name) record \(id)")
            }
            return RecordHistory(table: table.name, id: id, column: column, entries: entries, conflicts: conflicts)
        }
    }
}
