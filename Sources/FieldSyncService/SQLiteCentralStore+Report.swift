import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    /// The branch report (supervisors: their own branch; admins: any, or all
    /// branches when `branch` is nil). The figures read the default schema's
    /// customers, interactions and tasks.
    public func report(branch: String?, since: ISODate.Day, for caller: Manager) throws -> BranchReport {
        let branch = try BranchReportAccess.branch(branch, for: caller)
        let now = now()
        let today = ISODate.Day(millisSinceEpoch: now)
        let sinceText = ISODate.dateString(since)
        let sinceMillis = Int64(max(0, since.daysSinceEpoch)) * 86_400_000
        return try replica.read { db in
            var sql = "SELECT id, name, branch, role, last_sync_at FROM svc_managers"
            var arguments = StatementArguments()
            if let branch {
                sql += " WHERE branch = ?"
                arguments = [branch]
            }
            var lines: [ManagerActivity] = []
            for row in try Row.fetchAll(db, sql: sql + " ORDER BY branch, id", arguments: arguments) {
                let id: String = row["id"]
                func count(_ sql: String, _ arguments: StatementArguments) throws -> Int {
                    try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
                }
                let lastSync = (row["last_sync_at"] as Int64?).map(UInt64.init)
                let contacts = """
                    SELECT count(*) FROM interactions i JOIN customers c ON c.id = i.customer_id
                    WHERE i.deleted = 0 AND i.channel = ? AND coalesce(i.author, c.owner) = ? AND i.occurred_at >= ?
                    """
                let openTasks = """
                    SELECT count(*) FROM tasks k JOIN customers c ON c.id = k.customer_id
                    WHERE k.deleted = 0 AND c.deleted = 0 AND k.status = 'open' AND coalesce(k.assignee, c.owner) = ?
                    """
                let conflicts = Scope(Manager(id: id, name: "", branch: "", role: .manager), schema: schema).conflicts()
                lines.append(
                    ManagerActivity(
                        manager: id, name: row["name"], branch: row["branch"], role: row["role"],
                        lastSync: lastSync.map { ISODate.dateTimeMillis(millisSinceEpoch: $0) },
                        daysSinceSync: lastSync.map { Int((now - min(now, $0)) / 86_400_000) },
                        customers: try count("SELECT count(*) FROM customers WHERE owner = ? AND deleted = 0", [id]),
                        visits: try count(contacts, ["visit", id, sinceText]),
                        calls: try count(contacts, ["call", id, sinceText]),
                        customersWithNewInformation: try count(
                            """
                            SELECT count(DISTINCT row_id) FROM svc_log
                            WHERE manager = ? AND received_at >= ? AND tbl = 'customers' AND col NOT IN ('owner', 'deleted')
                              AND won = 1 AND value IS NOT NULL AND value IS NOT old_value
                            """, [id, sinceMillis]),
                        openTasks: try count(openTasks, [id]),
                        overdueTasks: try count(openTasks + " AND k.due_date < ?", [id, ISODate.dateString(today)]),
                        openOpportunities: try count(
                            """
                            SELECT count(*) FROM interactions i JOIN customers c ON c.id = i.customer_id
                            WHERE i.deleted = 0 AND c.deleted = 0 AND i.opportunity_status = 'open' AND c.owner = ?
                            """, [id]),
                        openConflicts: try count(
                            "SELECT count(*) FROM svc_conflicts k WHERE k.status = 'open' AND \(conflicts.sql)",
                            conflicts.arguments)))
            }
            return BranchReport(
                branch: branch, since: sinceText, today: ISODate.dateString(today), generatedAtMillis: now, managers: lines)
        }
    }
}

/// Who may read which branch's report.
enum BranchReportAccess {
    static func branch(_ asked: String?, for caller: Manager) throws -> String? {
        switch caller.role {
        case .manager:
            throw ServiceError(.forbidden, "the branch report is for supervisors and admins")
        case .supervisor:
            guard asked == nil || asked == caller.branch else {
                throw ServiceError(.forbidden, "a supervisor reads the report of their own branch (\(caller.branch)) only")
            }
            return caller.branch
        case .admin:
            return asked
        }
    }
}
