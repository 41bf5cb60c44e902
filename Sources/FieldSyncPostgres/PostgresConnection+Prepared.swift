import Logging
import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// Runs `statement` prepared: the first time on this connection PostgreSQL
    /// parses it under a name, later times it only binds and runs it, and may
    /// reuse its plan. For statements of a fixed text run again and again (a
    /// pull's and a push's reads): under load, planning them anew took more of
    /// PostgreSQL's time than running them. Statements whose text varies with
    /// their data (a multi-row `VALUES`) must not come here; past
    /// `PreparedStatementNames.shared.limit` texts, statements run unprepared.
    func forEachPreparedRow(
        _ statement: PostgresStatement, logger: Logger, _ body: (PostgresRow) throws -> Void
    ) async throws {
        for row in try await watched({ try await self.preparedRows(statement, logger: logger) }) { try body(row) }
    }

    private func preparedRows(_ statement: PostgresStatement, logger: Logger) async throws -> [PostgresRow] {
        let query = statement.query
        guard let name = PreparedStatementNames.shared.name(for: query.sql) else {
            return try await self.query(query, logger: logger).collect()
        }
        let rows = try await NamedStatement.$current.withValue((name, query.sql)) {
            try await execute(NamedStatement(bindings: query.binds), logger: logger)
        }
        var collected: [PostgresRow] = []
        for try await row in rows { collected.append(row) }
        return collected
    }
}

/// PostgresNIO takes a prepared statement's name and text from its type
/// (`PostgresPreparedStatement`'s static `name` and `sql`), but the store's
/// statements depend on its schema, known only at run time: this one type
/// gives the name and text bound to the task running it. PostgresNIO reads
/// both during `execute`, which runs inside that binding.
private struct NamedStatement: PostgresPreparedStatement {
    @TaskLocal static var current = (name: "", sql: "")
    static var name: String { current.name }
    static var sql: String { current.sql }

    typealias Row = PostgresRow
    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// One name per statement text for the life of the process (a connection
/// keeps what it prepared under a name, so a name never stands for two texts).
package final class PreparedStatementNames: Sendable {
    static let shared = PreparedStatementNames()

    /// Each prepared text holds memory in every connection: a bound, in case
    /// texts that vary come here by mistake.
    package let limit: Int

    private let names = Mutex<[String: String]>([:])

    package init(limit: Int = 1000) { self.limit = limit }

    /// The name of `sql`, given on first sight; nil once `limit` texts have names.
    package func name(for sql: String) -> String? {
        names.withLock { names in
            if let name = names[sql] { return name }
            guard names.count < limit else { return nil }
            let name = "fieldsync_\(names.count + 1)"
            names[sql] = name
            return name
        }
    }
}
