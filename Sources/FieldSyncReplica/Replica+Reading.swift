import FieldSyncCore
import GRDB
import GRDBSQLite

extension Replica {
    /// The record with this id, deleted or not; nil when the replica has none.
    public func record(_ tableName: String, id: String) throws -> Record? {
        let table = try schema.table(tableName)
        return try read { db in
            try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first
        }
    }

    /// The record with this id (upper-case input accepted), or an
    /// `unknown_record` error naming it.
    public func existingRecord(_ tableName: String, id rawID: String) throws -> Record {
        let id = try RowID.normalized(rawID)
        guard let record = try record(tableName, id: id) else { throw ReplicaError.unknownRecord(tableName, id) }
        return record
    }

    /// How many records a table holds (deleted ones not counted).
    public func recordCount(_ tableName: String) throws -> Int {
        let table = try schema.table(tableName)
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \(ReplicaLayout.quote(table.name)) WHERE deleted = 0") ?? 0
        }
    }

    /// The records of a table, optionally those whose `column` equals `value`,
    /// ordered by `orderBy` (a column) then id.
    public func records(
        _ tableName: String, where column: String? = nil, equals value: Value? = nil,
        includeDeleted: Bool = false, orderBy: String? = nil
    ) throws -> [Record] {
        let table = try schema.table(tableName)
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let column {
            _ = try table.column(column)
            conditions.append("t.\(ReplicaLayout.quote(column)) IS ?")
            arguments.append((value ?? .null).databaseValue)
        }
        if !includeDeleted { conditions.append("t.deleted = 0") }
        var order = "t.id"
        if let orderBy {
            _ = try table.column(orderBy)
            order = "t.\(ReplicaLayout.quote(orderBy)), t.id"
        }
        let condition = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        return try read { db in
            try Self.fetchRecords(db, table, where: condition, arguments: StatementArguments(arguments), orderBy: order)
        }
    }

    package static func fetchRecords(
        _ db: Database, _ table: TableSchema, where condition: String, arguments: StatementArguments,
        orderBy: String = "t.id"
    ) throws -> [Record] {
        var records: [Record] = []
        try forEachRecord(db, table, where: condition, arguments: arguments, orderBy: orderBy) { records.append($0) }
        return records
    }

    /// Streams records with a cursor, so whole-table scans (digest, export) run in bounded memory.
    package static func forEachRecord(
        _ db: Database, _ table: TableSchema, where condition: String, arguments: StatementArguments,
        orderBy: String = "t.id", _ body: (Record) throws -> Void
    ) throws {
        try forEachRecord(db, table, where: condition, arguments: arguments, orderBy: orderBy) { record, _ in
            try body(record)
        }
    }

    /// How `forEachRecord` walks a table.
    package enum Walk {
        /// The records table (alias `t`), with its clock row (`c`) when there is one.
        case records
        /// The clock table (`c`) in `seq` order (its index), for reading the
        /// changes after a point in order, page by page, each page reading only
        /// its own rows; only records with versions are seen then.
        case bySeq
        /// As `bySeq`, but only the counters `source` lists: a table (or
        /// subquery) aliased `s` with a `seq` column, walked first, so the
        /// condition can narrow it with an index (order by `s.seq`, then `c.id`).
        case bySeqIn(_ source: String)

        /// The counter to order by, so SQLite reads the rows in index order.
        package var seqColumn: String {
            if case .bySeqIn = self { "s.seq" } else { "c.seq" }
        }
    }

    /// Streams records with the local change counter (`seq`) that last changed each.
    package static func forEachRecord(
        _ db: Database, _ table: TableSchema, where condition: String, arguments: StatementArguments,
        orderBy: String = "t.id", walk: Walk = .records, _ body: (Record, Int64) throws -> Void
    ) throws {
        let columns = table.columns.map { "t.\(ReplicaLayout.quote($0.name))" }.joined(separator: ", ")
        let records = ReplicaLayout.quote(table.name)
        let clock = ReplicaLayout.clockTable(table)
        // CROSS JOIN fixes the join order in SQLite: the clock table (or the listed counters) outside.
        let from =
            switch walk {
            case .records: "\(records) t LEFT JOIN \(clock) c ON c.id = t.id"
            case .bySeq: "\(clock) c CROSS JOIN \(records) t ON t.id = c.id"
            case .bySeqIn(let source):
                "\(source) CROSS JOIN \(clock) c ON c.seq = s.seq CROSS JOIN \(records) t ON t.id = c.id"
            }
        let sql = """
            SELECT t.id, \(columns), c.versions, c.seq FROM \(from)
            WHERE \(condition) ORDER BY \(orderBy)
            """
        let count = table.columns.count
        // Compiled once per connection (a push reads one record per row it
        // takes in); afresh when a cursor over the same SQL is still open further up.
        let cached = try db.cachedStatement(sql: sql)
        let statement = sqlite3_stmt_busy(cached.sqliteStatement) == 0 ? cached : try db.makeStatement(sql: sql)
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            let versions: FieldVersions
            if case .blob(let data) = (row[count + 1] as DatabaseValue).storage {
                versions = FieldVersions(bytes: [UInt8](data), count: count)
            } else {
                versions = FieldVersions(count: count)
            }
            try body(
                Record(
                    table: table, id: row[0], values: (1...count).map { Value(row[$0] as DatabaseValue) },
                    versions: versions.versions),
                row[count + 2] as Int64? ?? 0)
        }
    }
}
