import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    public func report(branch: String?, since: ISODate.Day, for caller: Manager) async throws -> BranchReport {
        let queries = try BranchReportQueries(branch: branch, since: since, for: caller, schema: schema, now: now())
        return try await transaction(readOnly: true) { connection in
            var lines: [ManagerActivity] = []
            for row in try await connection.rows(queries.managers.statement, logger: logger) {
                let id = try row.text("id")
                var counts: [Int] = []
                for query in queries.counts(for: id) {
                    counts.append(Int(try await connection.rows(query.statement, logger: logger).first?[0].decode(Int64.self) ?? 0))
                }
                lines.append(
                    queries.activity(
                        id: id, name: try row.text("name"), branch: try row.text("branch"), role: try row.text("role"),
                        lastSyncMillis: try row.optionalInteger("last_sync_at").map(UInt64.init), counts: counts))
            }
            return queries.report(lines)
        }
    }
}

extension BranchReportQueries.Query {
    fileprivate var statement: PostgresStatement {
        PostgresStatement(
            sql,
            arguments.map { argument in
                switch argument {
                case .text(let text): .text(text)
                case .integer(let integer): .integer(integer)
                }
            })
    }
}
