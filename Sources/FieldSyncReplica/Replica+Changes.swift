import FieldSyncCore
import GRDB

extension Replica {
    /// Every field of every record changed here after local change counter
    /// `seq` (0: everything), with its version, and the counter they run through.
    /// This is what a change file carries between devices. A value the schema
    /// refuses (written by another program, see `refusedCapturedFields`) is
    /// left out, so it cannot make other replicas refuse the file.
    public func changes(since seq: Int64 = 0) throws -> (changeSet: ChangeSet, through: Int64) {
        try read { db in
            let through = try Int64(String.fetchOne(db, cached: "SELECT value FROM fs_meta WHERE key = 'seq'") ?? "0") ?? 0
            var changes: [FieldChange] = []
            for table in schema.tables {
                try Self.forEachRecord(db, table, where: "c.seq > ?", arguments: [seq]) { record in
                    for field in record.versionedFields
                    where (try? table.validate(field.value, for: field.column)) != nil {
                        changes.append(
                            FieldChange(
                                table: table.name, rowID: record.id, column: field.column, value: field.value,
                                version: field.version))
                    }
                }
            }
            return (ChangeSet(schemaVersion: schema.version, changes: changes), through)
        }
    }

    /// The latest local edit of each field not yet acknowledged by the service.
    public func pendingChanges() throws -> [FieldChange] {
        try read { db in
            try Row.fetchAll(
                db,
                cached: "SELECT tbl, row_id, col, value, hlc, replica, base_hlc, base_replica FROM fs_pending ORDER BY tbl, row_id, col"
            ).map { row in
                guard let version = Version(timestamp: row["hlc"], replica: row["replica"]) else {
                    throw ReplicaError(
                        .storage, "fs_pending holds an invalid version for \(row["tbl"] as String).\(row["col"] as String): the replica was edited by hand")
                }
                return FieldChange(
                    table: row["tbl"], rowID: row["row_id"], column: row["col"], value: Value(row["value"] as DatabaseValue),
                    version: version, base: Version(timestamp: row["base_hlc"], replica: row["base_replica"]))
            }
        }
    }

    public func pendingCount() throws -> Int {
        try read { db in try Int.fetchOne(db, cached: "SELECT count(*) FROM fs_pending") ?? 0 }
    }
}
