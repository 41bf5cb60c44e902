import FieldSyncCore
import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement written with `?` marks; returns how many rows it
    /// returned. `prepared`: see `forEachPreparedRow`.
    @discardableResult
    func run(
        _ sql: String, _ arguments: [PostgresArgument] = [], prepared: Bool = false, logger: Logger
    ) async throws -> Int {
        try await rows(PostgresStatement(sql, arguments), prepared: prepared, logger: logger).count
    }

    func rows(
        _ sql: String, _ arguments: [PostgresArgument] = [], prepared: Bool = false, logger: Logger
    ) async throws -> [PostgresRandomAccessRow] {
        try await rows(PostgresStatement(sql, arguments), prepared: prepared, logger: logger)
    }

    package func rows(
        _ statement: PostgresStatement, prepared: Bool = false, logger: Logger
    ) async throws -> [PostgresRandomAccessRow] {
        guard prepared else {
            return try await watched { try await self.query(statement.query, logger: logger).collect() }
                .map { $0.makeRandomAccess() }
        }
        var rows: [PostgresRandomAccessRow] = []
        try await forEachPreparedRow(statement, logger: logger) { rows.append($0.makeRandomAccess()) }
        return rows
    }

    /// Runs `work`, one statement, unless this connection is closed already:
    /// PostgresNIO drops a query written to a closed connection and never
    /// answers it, and the request would hang for good, and the service's
    /// graceful stop with it. (A pooled connection PostgreSQL ended can be
    /// leased before the pool sees it close.) `ConnectionWatch`: one that
    /// closes while the query is on its way.
    func watched<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard !isClosed else { throw ConnectionClosed() }
        guard let watch = ConnectionWatch.current else { return try await work() }
        return try await watch.run(work)
    }

    /// Runs statements that change data in as few round trips as the bind
    /// limit allows: consecutive ones joined as the data-modifying `WITH`
    /// clauses of one statement (PostgreSQL runs each once, to completion).
    /// So no two may change the same row.
    func runTogether(_ statements: [PostgresStatement], logger: Logger) async throws {
        for group in PostgresStatement.grouped(statements) {
            _ = try await rows(.joining(group), logger: logger)
        }
    }

    /// The first column of the first row, if any.
    func value<T: PostgresDecodable>(
        _ type: T.Type, _ sql: String, _ arguments: [PostgresArgument] = [], prepared: Bool = false, logger: Logger
    ) async throws -> T? {
        try await rows(sql, arguments, prepared: prepared, logger: logger).first.map { try $0[0].decode(T.self) }
    }
}

extension PostgresStatement {
    /// Well inside the protocol's limit of 65,535 parameters per statement.
    static let bindsPerStatement = 30_000

    /// `statements` in order, in groups that each fit one statement.
    static func grouped(_ statements: [PostgresStatement]) -> [[PostgresStatement]] {
        var groups: [[PostgresStatement]] = []
        var binds = 0
        for statement in statements {
            if groups.isEmpty || binds + statement.arguments.count > bindsPerStatement {
                groups.append([])
                binds = 0
            }
            groups[groups.count - 1].append(statement)
            binds += statement.arguments.count
        }
        return groups
    }

    /// One statement running all of `statements` (the last as the main one, the others as `WITH` clauses).
    static func joining(_ statements: [PostgresStatement]) -> PostgresStatement {
        guard statements.count > 1 else { return statements[0] }
        let clauses = statements.dropLast().enumerated().map { "w\($0) AS (\($1.sql))" }
        return PostgresStatement(
            "WITH " + clauses.joined(separator: ", ") + " " + statements.last!.sql, statements.flatMap(\.arguments))
    }
}

extension PostgresRandomAccessRow {
    func text(_ column: String) throws -> String { try self[column].decode(String.self) }
    func optionalText(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    func integer(_ column: String) throws -> Int64 { try self[column].decode(Int64.self) }
    func optionalInteger(_ column: String) throws -> Int64? { try self[column].decode(Int64?.self) }

    /// A record field, typed as its column stores it.
    func value(at index: Int, storage: ColumnType.Storage) throws -> Value {
        switch storage {
        case .integer: try self[index].decode(Int64?.self).map(Value.integer) ?? .null
        case .real: try self[index].decode(Double?.self).map(Value.real) ?? .null
        case .text: try self[index].decode(String?.self).map(Value.text) ?? .null
        }
    }
}

/// A connection found closed before a statement was written to it.
package struct ConnectionClosed: Error {}
