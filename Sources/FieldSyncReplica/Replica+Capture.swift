import FieldSyncCore
import GRDB

extension Replica {
    /// Stamps and queues the fields other programs wrote with plain SQL since
    /// FieldSync last ran, so no edit is left unsynced. Runs on open and at the
    /// start of every FieldSync write.
    public func absorbCapturedWrites() throws {
        let waiting = try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM fs_captured)") ?? false }
        if waiting { try writeTransaction { _ in } }
    }

    func absorbCaptured(_ db: Database) throws {
        let captured = try Row.fetchAll(db, sql: "SELECT tbl, row_id, col FROM fs_captured ORDER BY tbl, row_id, col")
        guard !captured.isEmpty else { return }
        var start = 0
        while start < captured.count {
            let tableName: String = captured[start]["tbl"]
            let id: String = captured[start]["row_id"]
            var end = start + 1
            while end < captured.count, captured[end]["tbl"] == tableName, captured[end]["row_id"] == id { end += 1 }
            defer { start = end }
            guard let table = try? schema.table(tableName),
                let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first
            else { continue }
            let fields = captured[start..<end].compactMap { row -> (index: Int, value: Value)? in
                table.columnIndex(row["col"]).map { ($0, record.values[$0]) }
            }
            var versions = FieldVersions(count: table.columns.count)
            for index in record.versions.indices { versions[index] = record.versions[index] }
            _ = try stamp(db, table, id: id, fields: fields, versions: &versions)
        }
        try db.execute(sql: "DELETE FROM fs_captured")
    }
}
