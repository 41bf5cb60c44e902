import FieldSyncCore
import GRDB

extension Replica {
    /// For a service that lost changes it had acknowledged (restored from a
    /// backup: it answers `unknown_cursor`): queues again every field this
    /// replica wrote that is neither pending nor rejected (its version names
    /// this replica). Re-sent under their own versions, fields the service
    /// still holds change nothing there; the others are taken in again. The
    /// pull cursor stays, so the push tells the service how far this device
    /// had pulled. The base each edit was made on is gone, so where another
    /// device's edit stands the service may record a conflict, kept for
    /// review. Returns how many fields were queued.
    public func queueOwnEditsAgain() throws -> Int {
        try writeTransaction { db in
            var queued = 0
            for table in schema.tables {
                // Collected first: the records are read with a cursor, which an insert must not run under.
                var own: [(id: String, column: String, value: Value, version: Version)] = []
                try Self.forEachRecord(db, table, where: "c.versions IS NOT NULL", arguments: []) { record, _ in
                    for (index, version) in record.versions.enumerated() {
                        guard let version, version.replica == replicaID else { continue }
                        own.append((record.id, table.columns[index].name, record.values[index], version))
                    }
                }
                for field in own {
                    try db.execute(
                        cached: """
                            INSERT INTO fs_pending(tbl, row_id, col, value, hlc, replica, base_hlc, base_replica)
                            SELECT ?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL
                            WHERE NOT EXISTS (SELECT 1 FROM fs_rejected WHERE tbl = ?1 AND row_id = ?2 AND col = ?3)
                            ON CONFLICT(tbl, row_id, col) DO NOTHING
                            """,
                        arguments: [
                            table.name, field.id, field.column, field.value.databaseValue,
                            field.version.storedTimestamp, field.version.storedReplica,
                        ])
                    queued += db.changesCount
                }
            }
            return queued
        }
    }
}
