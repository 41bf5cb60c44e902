import FieldSyncCore
import GRDB

extension Replica {
    /// Stamps and queues the fields other programs wrote with plain SQL since
    /// FieldSync last ran, so no edit is left unsynced. Runs on open and at the
    /// start of every FieldSync write. A value the schema refuses (the tables'
    /// CHECKs catch nearly all) is not stamped: it stays queued, counted by
    /// `refusedCapturedFields`, until someone corrects the field.
    public func absorbCapturedWrites() throws {
        let waiting = try read { db in try Bool.fetchOne(db, cached: "SELECT EXISTS(SELECT 1 FROM fs_captured)") ?? false }
        if waiting { try writeTransaction { _ in } }
    }

    func absorbCaptured(_ db: Database) throws {
        let captured = try Row.fetchAll(db, cached: "SELECT tbl, row_id, col FROM fs_captured ORDER BY tbl, row_id, col")
        refusedCapturesRemain = false
        guard !captured.isEmpty else { return }
        defer { refusedCapturesRemain = (try? Bool.fetchOne(db, cached: "SELECT EXISTS(SELECT 1 FROM fs_captured)")) == true }
        var start = 0
        while start < captured.count {
            let tableName: String = captured[start]["tbl"]
            let id: String = captured[start]["row_id"]
            var end = start + 1
            while end < captured.count, captured[end]["tbl"] == tableName, captured[end]["row_id"] == id { end += 1 }
            defer { start = end }
            guard let table = try? schema.table(tableName),
                let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first
            else {
                for row in captured[start..<end] {
                    try dequeueCaptured(db, FieldRef(table: row["tbl"], rowID: row["row_id"], column: row["col"]))
                }
                continue
            }
            var fields: [(index: Int, value: Value)] = []
            for row in captured[start..<end] {
                guard let index = table.columnIndex(row["col"]),
                    (try? table.validate(record.values[index], for: table.columns[index])) != nil
                else { continue }
                fields.append((index, record.values[index]))
                try dequeueCaptured(db, FieldRef(table: tableName, rowID: id, column: table.columns[index].name))
            }
            guard !fields.isEmpty else { continue }
            var versions = record.fieldVersions
            _ = try stamp(db, table, id: id, fields: fields, versions: &versions)
        }
    }

    /// Forgets a queued outside edit of `field` (stamped, or superseded by FieldSync's own write).
    func dequeueCaptured(_ db: Database, _ field: FieldRef) throws {
        try db.execute(
            cached: "DELETE FROM fs_captured WHERE tbl = ? AND row_id = ? AND col = ?",
            arguments: [field.table, field.rowID, field.column])
    }

    /// Fields other programs wrote that the schema refuses, left unsynced
    /// until corrected (`fieldsync record set`).
    public func refusedCapturedFields() throws -> [FieldRef] {
        try read { db in
            try Row.fetchAll(db, cached: "SELECT tbl, row_id, col FROM fs_captured ORDER BY tbl, row_id, col").map {
                FieldRef(table: $0["tbl"], rowID: $0["row_id"], column: $0["col"])
            }
        }
    }
}
