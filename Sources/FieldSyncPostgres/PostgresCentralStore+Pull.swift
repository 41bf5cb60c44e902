import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    /// Reads one snapshot: the counter, then rows after the cursor up to it.
    /// Every transaction at or below the counter has committed (see the type's
    /// comment), so no later page can find a change below this one's cursor.
    public func pull(after cursor: PullCursor, limit: Int, for caller: Manager) async throws -> PullResponse {
        let scope = Scope(caller, schema: schema)
        let response = try await transaction(readOnly: true) { connection in
            let counter = try await connection.rows(
                "SELECT seq, scope_noted = seq, \(CursorGaps.holds("?")) FROM svc_state WHERE id = 1",
                [.integer(cursor.seq), .integer(cursor.seq)], prepared: true, logger: logger
            ).first
            let committed = try counter?[0].decode(Int64.self) ?? 0
            let noted = try counter?[1].decode(Bool.self) ?? false
            try PullPage.checkCursor(cursor, committed: committed, skipped: counter?[2].decode(Bool.self) ?? false)
            var page = PullPage(limit: limit)
            for (tableIndex, table) in schema.tables.enumerated() {
                let after = PullPage.after(cursor, tableIndex: tableIndex)
                var statement = PostgresStatement(after.sql, [.integer(after.seq)])
                if let rowID = after.rowID { statement.arguments.append(.text(rowID)) }
                if let bound = page.bound {
                    statement.sql += " AND c.seq <= ?"
                    statement.arguments.append(.integer(bound))
                }
                statement.and(scope.records(table, alias: "t", rowByRow: true))
                let rows =
                    if let transactions = PostgresScopeChanges.narrowing(
                        for: scope, from: after.seq, through: page.bound, noted: noted) {
                        try await recordsChanged(
                            connection, table, by: transactions, where: statement, limit: page.rowsToRead)
                    } else {
                        try await records(
                            connection, table, where: statement, orderBy: "c.seq, c.id", limit: page.rowsToRead)
                    }
                page.add(rows, tableIndex: tableIndex)
            }
            let through = page.next(committed: committed).seq
            var removed: [String] = []
            if let query = scope.removedCustomers() {
                removed = try await connection.rows(
                    query.sql,
                    [.integer(cursor.completeThrough), .integer(through)]
                        + query.arguments.map(PostgresArgument.text), prepared: true, logger: logger
                ).map { try $0[0].decode(String.self) }
            }
            let removedRecords = try await removedRecords(
                connection, scope, after: cursor, through: through)
            return page.response(
                schema: schema, committed: committed, removed: removed, removedRecords: removedRecords,
                serverTimeMillis: now())
        }
        if !response.more, syncNotes.withLock({ $0.isDue(for: caller.id, at: response.serverTimeMillis) }) {
            try await transaction { connection in
                try await noteSync(connection, of: caller, at: response.serverTimeMillis)
            }
        }
        return response
    }

    /// Records moved in transactions `(after, through]` from a customer the
    /// caller saw, and that the caller no longer sees (`RecordMove`).
    func removedRecords(_ connection: PostgresConnection, _ scope: Scope, after cursor: PullCursor, through seq: Int64)
        async throws -> [RecordRef]
    {
        guard let query = scope.removedRecords() else { return [] }
        return try await connection.rows(
            query.sql, [.integer(cursor.completeThrough), .integer(seq)] + query.arguments.map(PostgresArgument.text),
            prepared: true, logger: logger
        ).map { RecordRef(table: try $0[0].decode(String.self), rowID: try $0[1].decode(String.self)) }
    }

    public func digest(for caller: Manager) async throws -> (digest: String, rows: Int) {
        let scope = Scope(caller, schema: schema)
        let (digest, rows) = try await transaction(readOnly: true) { connection -> (String, Int) in
            var digest = ContentDigest()
            for table in schema.tables.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }) {
                try await forEachRecord(connection, table, where: PostgresStatement(scope.records(table))) {
                    _, record in
                    digest.add(rowHash: RowHash(table: table.name, rowID: record.id, fields: record.versionedFields))
                }
            }
            return (digest.finalize(), digest.rowCount)
        }
        return (digest, rows)
    }

    func committedSeq(_ connection: PostgresConnection) async throws -> Int64 {
        try await connection.value(Int64.self, "SELECT seq FROM svc_state WHERE id = 1", prepared: true, logger: logger)
            ?? 0
    }
}
