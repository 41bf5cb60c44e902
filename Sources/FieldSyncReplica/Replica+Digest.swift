import FieldSyncCore
import GRDB

extension Replica {
    /// The content digest (protocol/digest.md): equal on two replicas exactly
    /// when they hold the same records, values and versions.
    public func digest() throws -> (digest: String, rows: Int) {
        try read { db in try Self.digest(db, schema: schema, where: { _ in ("1", []) }) }
    }

    /// The digest of the records each table's `condition` (over `t` and `c`) admits.
    package static func digest(
        _ db: Database, schema: Schema, where condition: (TableSchema) -> (sql: String, arguments: StatementArguments)
    ) throws -> (digest: String, rows: Int) {
        var digest = ContentDigest()
        for table in schema.tables.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }) {
            let (sql, arguments) = condition(table)
            try forEachRecord(db, table, where: "c.id IS NOT NULL AND \(sql)", arguments: arguments) { record in
                digest.add(rowHash: RowHash(table: table.name, rowID: record.id, fields: record.versionedFields))
            }
        }
        return (digest.finalize(), digest.rowCount)
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
