import FieldSyncCore
import GRDB

extension Replica {
    /// Whether unsent edits touch these customers or their records, or these
    /// records (push them before they are removed).
    public func hasPendingChanges(forCustomers customers: [String], records: [RecordRef] = []) throws -> Bool {
        guard !customers.isEmpty || !records.isEmpty else { return false }
        return try read { db in
            try (removalTargets(db, customers: customers) + removalTargets(records)).contains { table, ids in
                try Self.pendingCount(db, table, ids) > 0
            }
        }
    }

    /// Deletes, from this device, records moved to another manager's
    /// customer, and customers reassigned to another manager with their
    /// records. An edit still unsent (the push before the pull could not take
    /// it) is kept among the rejected changes, never dropped. Returns how many
    /// of those customers, and of those records, this device held: the
    /// service lists some it never had (a first sync, a page repeating one).
    func remove(_ db: Database, customers: [String], records: [RecordRef]) throws -> (customers: Int, records: Int) {
        var removedRecords = 0
        for (table, ids) in removalTargets(records) {
            removedRecords += try remove(
                db, table, ids,
                because:
                    "the record went to another manager's customer (it was moved, or its customer reassigned) before this edit was sent; tell its new owner"
            )
        }
        guard !customers.isEmpty else { return (0, removedRecords) }
        var removedCustomers = 0
        for (table, ids) in try removalTargets(db, customers: customers) {
            let removed = try remove(
                db, table, ids,
                because: "the customer was reassigned to another manager before this edit was sent; tell the new owner")
            if table.ownerColumn != nil { removedCustomers += removed }
        }
        return (removedCustomers, removedRecords)
    }

    /// Returns how many of the records this device held.
    private func remove(_ db: Database, _ table: TableSchema, _ ids: [String], because reason: String) throws -> Int {
        var removed = 0
        for chunk in Self.chunks(ids) {
            let list = Self.placeholders(chunk.count)
            let arguments = StatementArguments([table.name] + chunk)
            try db.execute(
                sql: """
                    INSERT INTO fs_rejected(tbl, row_id, col, value, hlc, replica, base_hlc, base_replica, code, message, rejected_at)
                    SELECT tbl, row_id, col, value, hlc, replica, base_hlc, base_replica, ?, ?, ?
                    FROM fs_pending WHERE tbl = ? AND row_id IN \(list)
                    ON CONFLICT(tbl, row_id, col) DO UPDATE SET
                      value = excluded.value, hlc = excluded.hlc, replica = excluded.replica,
                      code = excluded.code, message = excluded.message, rejected_at = excluded.rejected_at
                    """,
                arguments: [ErrorCode.forbidden.rawValue, reason, Int64(deviceWallClock())] + arguments)
            for sql in [
                "DELETE FROM fs_pending WHERE tbl = ? AND row_id IN \(list)",
                "DELETE FROM fs_captured WHERE tbl = ? AND row_id IN \(list)",
            ] {
                try db.execute(sql: sql, arguments: arguments)
            }
            try db.execute(
                sql: "DELETE FROM \(ReplicaLayout.clockTable(table)) WHERE id IN \(list)",
                arguments: StatementArguments(chunk))
            try db.execute(
                sql: "DELETE FROM \(ReplicaLayout.quote(table.name)) WHERE id IN \(list)",
                arguments: StatementArguments(chunk))
            removed += db.changesCount
            transactionChanged = true
        }
        return removed
    }

    /// Deletes a record none of whose fields has a version left (each edit of
    /// it was refused and then discarded: the service never had it), unless
    /// another record names it. It holds nobody's data, and it would keep
    /// this device's digest from ever matching the service's.
    @discardableResult
    func removeIfNeverSynced(_ db: Database, _ table: TableSchema, id: String) throws -> Bool {
        guard let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first,
            record.versions.allSatisfy({ $0 == nil })
        else { return false }
        for other in schema.tables {
            for column in other.columns where column.type == .reference(table: table.name) {
                let named = try Bool.fetchOne(
                    db,
                    sql:
                        "SELECT EXISTS (SELECT 1 FROM \(ReplicaLayout.quote(other.name)) WHERE \(ReplicaLayout.quote(column.name)) = ?)",
                    arguments: [id])
                if named == true { return false }
            }
        }
        try db.execute(sql: "DELETE FROM \(ReplicaLayout.clockTable(table)) WHERE id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM \(ReplicaLayout.quote(table.name)) WHERE id = ?", arguments: [id])
        transactionChanged = true
        return true
    }

    /// The ids to remove per table, children first (they reference the customers).
    private func removalTargets(_ db: Database, customers: [String]) throws -> [(TableSchema, [String])] {
        var targets: [(TableSchema, [String])] = []
        for table in schema.tables {
            if let parent = table.parentColumn {
                let ids = try Self.chunks(customers).flatMap { chunk in
                    try String.fetchAll(
                        db,
                        sql:
                            "SELECT id FROM \(ReplicaLayout.quote(table.name)) WHERE \(ReplicaLayout.quote(parent)) IN \(Self.placeholders(chunk.count))",
                        arguments: StatementArguments(chunk))
                }
                targets.append((table, ids))
            }
        }
        for table in schema.tables where table.ownerColumn != nil {
            targets.append((table, customers))
        }
        return targets
    }

    /// `records` by table; only a customer's records (interactions, tasks,
    /// holdings) are moved, so a service names no others.
    private func removalTargets(_ records: [RecordRef]) -> [(TableSchema, [String])] {
        guard !records.isEmpty else { return [] }
        return schema.tables.filter { $0.parentColumn != nil }.map { table in
            (table, records.filter { $0.table == table.name }.map(\.rowID))
        }
    }

    private static func pendingCount(_ db: Database, _ table: TableSchema, _ ids: [String]) throws -> Int {
        try chunks(ids).reduce(0) { count, chunk in
            count
                + (try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM fs_pending WHERE tbl = ? AND row_id IN \(placeholders(chunk.count))",
                    arguments: StatementArguments([table.name] + chunk)) ?? 0)
        }
    }

    /// Ids in slices small enough for one statement each: a page may remove
    /// a whole book of customers and their records, past the variables one
    /// SQLite statement may bind (32,766 in a stock build, 999 in older ones).
    private static func chunks(_ ids: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: ids.count, by: maxIDsPerStatement).map {
            ids[$0..<min($0 + maxIDsPerStatement, ids.count)]
        }
    }

    private static let maxIDsPerStatement = 500

    private static func placeholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
    }
}
