import FieldSyncCore
import GRDB

extension Replica {
    /// The content digest (protocol/digest.md): equal on two replicas exactly
    /// when they hold the same records, values and versions.
    public func digest() throws -> (digest: String, rows: Int) {
        try read { db in
            var digest = ContentDigest()
            for table in schema.tables.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }) {
                try Self.forEachRecord(db, table, where: "c.id IS NOT NULL", arguments: []) { record in
                    digest.add(rowHash: RowHash(table: table.name, rowID: record.id, fields: record.versionedFields))
                }
            }
            return (digest.finalize(), digest.rowCount)
        }
    }

    /// Each row's hash, to narrow a digest mismatch down to the rows that differ.
    public func rowHashes(_ tableName: String) throws -> [(id: String, hash: RowHash)] {
        let table = try schema.table(tableName)
        return try read { db in
            var hashes: [(id: String, hash: RowHash)] = []
            try Self.forEachRecord(db, table, where: "c.id IS NOT NULL", arguments: []) { record in
                hashes.append((record.id, RowHash(table: table.name, rowID: record.id, fields: record.versionedFields)))
            }
            return hashes
        }
    }
}
