import FieldSyncCore
import FieldSyncReplica
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    /// Records of `table` (aliased `t`, its clock row `c`) matching `condition`, with the seq that last changed each.
    func records(
        _ connection: PostgresConnection, _ table: TableSchema, where condition: PostgresStatement,
        orderBy: String = "t.id", limit: Int? = nil
    ) async throws -> [(seq: Int64, record: FieldSyncReplica.Record)] {
        var found: [(seq: Int64, record: FieldSyncReplica.Record)] = []
        try await forEachRecord(connection, table, where: condition, orderBy: orderBy, limit: limit) {
            found.append(($0, $1))
        }
        return found
    }

    /// Each record `records` would return, one at a time as rows arrive: a
    /// whole scope (the digest) is never held in memory. Prepared: the text
    /// depends only on the table, the condition's text and the order.
    func forEachRecord(
        _ connection: PostgresConnection, _ table: TableSchema, where condition: PostgresStatement,
        orderBy: String = "t.id", limit: Int? = nil, _ body: (Int64, FieldSyncReplica.Record) throws -> Void
    ) async throws {
        var statement = condition
        statement.sql = selectRecords(table, where: condition.sql) + " ORDER BY \(orderBy)"
        if let limit {
            statement.sql += " LIMIT ?"
            statement.arguments.append(.integer(Int64(limit)))
        }
        try await forEachRecord(connection, table, selectedBy: statement, body)
    }

    /// The records of `table` matching `condition` (over `t` and `c`) changed
    /// by the transactions that `transactions` (over `svc_scope_changes s`)
    /// lists, in (seq, id) order, at most `limit`: a manager's pull page
    /// (`PostgresScopeChanges`). Each transaction's rows come in id order from
    /// the (seq, id) index, at most `limit` of them, so putting them in page
    /// order sorts one transaction's rows at a time and stops once the page is
    /// full, however large a transaction was.
    func recordsChanged(
        _ connection: PostgresConnection, _ table: TableSchema, by transactions: PostgresStatement,
        where condition: PostgresStatement, limit: Int
    ) async throws -> [(seq: Int64, record: FieldSyncReplica.Record)] {
        let inner = selectRecords(table, where: "c.seq = s.seq AND (\(condition.sql))") + " ORDER BY c.id LIMIT ?"
        let statement = PostgresStatement(
            """
            SELECT x.* FROM svc_scope_changes s CROSS JOIN LATERAL (\(inner)) x
            WHERE \(transactions.sql) ORDER BY s.seq, x.id LIMIT ?
            """,
            condition.arguments + [.integer(Int64(limit))] + transactions.arguments + [.integer(Int64(limit))])
        var found: [(seq: Int64, record: FieldSyncReplica.Record)] = []
        try await forEachRecord(connection, table, selectedBy: statement) { found.append(($0, $1)) }
        return found
    }

    /// The id, the fields, the versions and the seq of records of `table` (`t`, its clock row `c`).
    private func selectRecords(_ table: TableSchema, where condition: String) -> String {
        """
        SELECT t.id, \(table.columns.map { "t.\(ReplicaLayout.quote($0.name))" }.joined(separator: ", ")), c.versions, c.seq
        FROM \(ReplicaLayout.clockTable(table)) c JOIN \(ReplicaLayout.quote(table.name)) t ON t.id = c.id
        WHERE \(condition)
        """
    }

    /// Runs a statement selecting as `selectRecords` does, one record at a time.
    private func forEachRecord(
        _ connection: PostgresConnection, _ table: TableSchema, selectedBy statement: PostgresStatement,
        _ body: (Int64, FieldSyncReplica.Record) throws -> Void
    ) async throws {
        let count = table.columns.count
        try await connection.forEachPreparedRow(statement, logger: logger) { streamed in
            let row = streamed.makeRandomAccess()
            let versions = FieldVersions(bytes: Array(buffer: try row[count + 1].decode(ByteBuffer.self)), count: count)
            let values = try table.columns.enumerated().map { index, column in
                try row.value(at: index + 1, storage: column.type.storage)
            }
            try body(
                try row[count + 2].decode(Int64.self),
                FieldSyncReplica.Record(
                    table: table, id: try row[0].decode(String.self), values: values, versions: versions.versions))
        }
    }

    /// Records of `table` by id.
    func records(
        _ connection: PostgresConnection, _ table: TableSchema, ids: some Collection<String>
    ) async throws -> [String: FieldSyncReplica.Record] {
        guard !ids.isEmpty else { return [:] }
        let found = try await records(
            connection, table, where: PostgresStatement("t.id = ANY(?)", [.texts(Array(ids))]))
        return Dictionary(uniqueKeysWithValues: found.map { ($0.record.id, $0.record) })
    }

    /// One record, if the condition (beyond its id) admits it.
    func record(
        _ connection: PostgresConnection, _ table: TableSchema, id: String,
        _ condition: SQLCondition = SQLCondition("TRUE")
    ) async throws -> FieldSyncReplica.Record? {
        var statement = PostgresStatement("t.id = ?", [.text(id)])
        statement.and(condition)
        return try await records(connection, table, where: statement).first?.record
    }

    /// Waits for, then holds until commit, the locks on records a
    /// transaction may change (`RecordLocks`).
    func lock(_ connection: PostgresConnection, records: some Sequence<(table: String, id: String)>) async throws {
        try await RecordLocks(records, tables: schema.tables.map(\.name)).take(on: connection, logger: logger)
    }

    /// `lock`, and the push's provisional seq in the same round trip: rows
    /// the push writes carry it until the counter's seq replaces it as the
    /// push commits (`PostgresLayout.counterAtCommit`). Negative, unique to
    /// the transaction; only the log keeps it, mapped to the counter's seq in
    /// `svc_log_seqs` (`PostgresLayout.logSeqsByMarker`).
    func lockForPush(
        _ connection: PostgresConnection, records: some Sequence<(table: String, id: String)>
    ) async throws -> Int64 {
        let locks = RecordLocks(records, tables: schema.tables.map(\.name))
        let marker = try await connection.value(
            Int64.self, "SELECT -nextval('svc_markers'), l.locked FROM (\(RecordLocks.selectTaking)) l(locked)",
            locks.arguments, prepared: true, logger: logger)
        guard let marker else { throw ServiceError(.storage, "the store gave no provisional seq (svc_markers)") }
        return marker
    }

    /// Writes fields of one record (the record row, then its clock row with
    /// every field's version and the transaction's seq).
    func write(
        _ connection: PostgresConnection, _ table: TableSchema, id: String, fields: [(index: Int, value: Value)],
        versions: FieldVersions, seq: Int64
    ) async throws {
        try await connection.runTogether(
            RecordWrite.statements(
                [RecordWrite(table: table, id: id, fields: fields, versions: versions)], seq: seq),
            logger: logger)
    }
}
