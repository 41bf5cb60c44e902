import FieldSyncCore
import GRDB

/// Rows this device set back on its own: discarding a rejected change puts the
/// field back to what the service held when it refused it, or clears it, so
/// the row may differ from the service's. A push's answer may let the device
/// skip pulling back the rows it pushed (its `cursor`); a row named here has to
/// come back, so that cursor is not taken for a push that carried one. The
/// pull that brings the row settles it.
///
/// Kept in `fs_meta` under `unsettled:TABLE:ID`: rare, and readable by older
/// releases of the same replica format.
extension Replica {
    private static let unsettledKeys = "key >= 'unsettled:' AND key < 'unsettled;'"

    private static func unsettledKey(table: String, id: String) -> String { "unsettled:\(table):\(id)" }

    func markUnsettled(_ db: Database, table: String, id: String) throws {
        try db.execute(
            cached: "INSERT INTO fs_meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO NOTHING",
            arguments: [Self.unsettledKey(table: table, id: id)])
    }

    /// Whether any of the records `changes` name is unsettled.
    func isUnsettled(_ db: Database, anyOf changes: [FieldChange]) throws -> Bool {
        let unsettled = try unsettledKeys(db)
        return !unsettled.isEmpty && !unsettled.isDisjoint(with: Self.rowKeys(changes))
    }

    /// The records `changes` name came from the service: they are settled.
    func settle(_ db: Database, _ changes: [FieldChange]) throws {
        let unsettled = try unsettledKeys(db)
        guard !unsettled.isEmpty else { return }
        for key in unsettled.intersection(Self.rowKeys(changes)) {
            try Self.removeMeta(db, key)
        }
    }

    /// The unsettled rows' keys, forgetting rows no longer here (removed
    /// after a reassignment, or never synced and dropped on discarding).
    private func unsettledKeys(_ db: Database) throws -> Set<String> {
        var keys = Set(try String.fetchAll(db, cached: "SELECT key FROM fs_meta WHERE \(Self.unsettledKeys)"))
        for key in keys {
            let parts = key.split(separator: ":", maxSplits: 2).map(String.init)
            let held =
                try parts.count == 3 && (try? schema.table(parts[1])) != nil
                && Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM \(ReplicaLayout.quote(parts[1])) WHERE id = ?)",
                    arguments: [parts[2]]) == true
            if !held {
                try Self.removeMeta(db, key)
                keys.remove(key)
            }
        }
        return keys
    }

    private static func rowKeys(_ changes: [FieldChange]) -> Set<String> {
        Set(changes.lazy.map { unsettledKey(table: $0.table, id: $0.rowID) })
    }
}
