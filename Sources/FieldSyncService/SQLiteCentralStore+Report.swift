import FieldSyncCore
import FieldSyncProtocol
import GRDB

extension SQLiteCentralStore {
    public func report(branch: String?, since: ISODate.Day, for caller: Manager) throws -> BranchReport {
        let queries = try BranchReportQueries(branch: branch, since: since, for: caller, schema: schema, now: now())
        return try replica.read { db in
            let managers = try Row.fetchAll(db, queries.managers)
            let lines = try managers.map { row in
                let id: String = row["id"]
                return queries.activity(
                    id: id, name: row["name"], branch: row["branch"], role: row["role"],
                    lastSyncMillis: (row["last_sync_at"] as Int64?).map(UInt64.init),
                    counts: try queries.counts(for: id).map { try Int.fetchOne(db, $0) ?? 0 })
            }
            return queries.report(lines)
        }
    }
}

extension DatabaseValueConvertible {
    fileprivate static func fetchOne(_ db: Database, _ query: BranchReportQueries.Query) throws -> Self? {
        try fetchOne(db, sql: query.sql, arguments: query.statementArguments)
    }
}

extension Row {
    fileprivate static func fetchAll(_ db: Database, _ query: BranchReportQueries.Query) throws -> [Row] {
        try fetchAll(db, sql: query.sql, arguments: query.statementArguments)
    }
}

extension BranchReportQueries.Query {
    fileprivate var statementArguments: StatementArguments {
        StatementArguments(arguments.map { argument -> DatabaseValue in
            switch argument {
            case .text(let text): text.databaseValue
            case .integer(let integer): integer.databaseValue
            }
        })
    }
}
