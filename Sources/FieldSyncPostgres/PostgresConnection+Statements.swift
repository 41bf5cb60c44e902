import FieldSyncCore
import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement written with `?` marks; returns how many rows it returned.
    @discardableResult
    func run(_ sql: String, _ arguments: [PostgresArgument] = [], logger: Logger) async throws -> Int {
        try await rows(PostgresStatement(sql, arguments), logger: logger).count
    }

    func rows(_ sql: String, _ arguments: [PostgresArgument] = [], logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await rows(PostgresStatement(sql, arguments), logger: logger)
    }

    func rows(_ statement: PostgresStatement, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await query(statement.query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// The first column of the first row, if any.
    func value<T: PostgresDecodable>(
        _ type: T.Type, _ sql: String, _ arguments: [PostgresArgument] = [], logger: Logger
    ) async throws -> T? {
        try await rows(sql, arguments, logger: logger).first.map { try $0[0].decode(T.self) }
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
