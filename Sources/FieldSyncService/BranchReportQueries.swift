import FieldSyncCore
import FieldSyncProtocol

/// The branch report as SQL that reads the same in SQLite and PostgreSQL:
/// the managers it covers, then the same counts for each. The figures read
/// the default schema's customers, interactions and tasks.
package struct BranchReportQueries {
    package enum Argument: Sendable {
        case text(String)
        case integer(Int64)
    }

    /// A query with a `?` for each argument.
    package struct Query: Sendable {
        package var sql: String
        package var arguments: [Argument]
    }

    package let branch: String?
    let since: ISODate.Day
    let schema: Schema
    let now: UInt64

    /// Checks who may read which branch (supervisors: their own; admins: any, or all when `branch` is nil).
    package init(branch: String?, since: ISODate.Day, for caller: Manager, schema: Schema, now: UInt64) throws {
        self.branch = try BranchReportAccess.branch(branch, for: caller)
        self.since = since
        self.schema = schema
        self.now = now
    }

    /// The managers covered: id, name, branch, role and last sync, in report order.
    package var managers: Query {
        var sql = "SELECT id, name, branch, role, last_sync_at FROM svc_managers"
        var arguments: [Argument] = []
        if let branch {
            sql += " WHERE branch = ?"
            arguments = [.text(branch)]
        }
        return Query(sql: sql + " ORDER BY branch, id", arguments: arguments)
    }

    private var today: ISODate.Day { ISODate.Day(millisSinceEpoch: now) }

    /// The counts for one manager, in the order `activity` takes them.
    package func counts(for id: String) -> [Query] {
        let sinceText = ISODate.dateString(since)
        let sinceMillis = Int64(max(0, since.daysSinceEpoch)) * 86_400_000
        let contacts = """
            SELECT count(*) FROM interactions i JOIN customers c ON c.id = i.customer_id
            WHERE i.deleted = 0 AND i.channel = ? AND coalesce(i.author, c.owner) = ? AND i.occurred_at >= ?
            """
        // A task counts for its assignee, unless that is a manager who no
        // longer holds its customer (reassigned since): its owner has it now.
        let openTasks = """
            SELECT count(*) FROM tasks k JOIN customers c ON c.id = k.customer_id
            LEFT JOIN svc_managers a ON a.id = k.assignee
            WHERE k.deleted = 0 AND c.deleted = 0 AND k.status = 'open'
              AND CASE WHEN k.assignee IS NULL OR (coalesce(a.role, 'manager') = 'manager' AND k.assignee <> c.owner)
                THEN c.owner ELSE k.assignee END = ?
            """
        let conflicts = Scope(Manager(id: id, name: "", branch: "", role: .manager), schema: schema).conflicts()
        return [
            Query(sql: "SELECT count(*) FROM customers WHERE owner = ? AND deleted = 0", arguments: [.text(id)]),
            Query(sql: contacts, arguments: [.text("visit"), .text(id), .text(sinceText)]),
            Query(sql: contacts, arguments: [.text("call"), .text(id), .text(sinceText)]),
            Query(
                sql: """
                    SELECT count(DISTINCT row_id) FROM svc_log
                    WHERE manager = ? AND received_at >= ? AND tbl = 'customers' AND col NOT IN ('owner', 'deleted')
                      AND won AND value IS NOT NULL AND (old_value IS NULL OR value <> old_value)
                    """, arguments: [.text(id), .integer(sinceMillis)]),
            Query(sql: openTasks, arguments: [.text(id)]),
            Query(sql: openTasks + " AND k.due_date < ?", arguments: [.text(id), .text(ISODate.dateString(today))]),
            Query(
                sql: """
                    SELECT count(*) FROM interactions i JOIN customers c ON c.id = i.customer_id
                    WHERE i.deleted = 0 AND c.deleted = 0 AND i.opportunity_status = 'open' AND c.owner = ?
                    """, arguments: [.text(id)]),
            Query(
                sql: "SELECT count(*) FROM svc_conflicts k WHERE k.status = 'open' AND \(conflicts.sql)",
                arguments: conflicts.arguments.map(Argument.text)),
        ]
    }

    /// One manager's line from their row in `managers` and their `counts`.
    package func activity(
        id: String, name: String, branch: String, role: String, lastSyncMillis: UInt64?, counts: [Int]
    ) -> ManagerActivity {
        ManagerActivity(
            manager: id, name: name, branch: branch, role: role,
            lastSync: lastSyncMillis.map { ISODate.dateTimeMillis(millisSinceEpoch: $0) },
            daysSinceSync: lastSyncMillis.map { Int((now - min(now, $0)) / 86_400_000) },
            customers: counts[0], visits: counts[1], calls: counts[2], customersWithNewInformation: counts[3],
            openTasks: counts[4], overdueTasks: counts[5], openOpportunities: counts[6], openConflicts: counts[7])
    }

    package func report(_ lines: [ManagerActivity]) -> BranchReport {
        BranchReport(
            branch: branch, since: ISODate.dateString(since), today: ISODate.dateString(today), generatedAtMillis: now,
            managers: lines)
    }
}

/// Who may read which branch's report.
package enum BranchReportAccess {
    /// The branch `caller` reads (nil: every branch), or `forbidden`.
    package static func branch(_ asked: String?, for caller: Manager) throws -> String? {
        switch caller.role {
        case .manager:
            throw ServiceError(.forbidden, "the branch report is for supervisors and admins")
        case .supervisor:
            guard asked == nil || asked == caller.branch else {
                throw ServiceError(
                    .forbidden, "a supervisor reads the report of their own branch (\(caller.branch)) only")
            }
            return caller.branch
        case .admin:
            if let asked, !BranchName.isValid(asked) {
                throw ServiceError(.badArgument, "branch is not a branch name (\(BranchName.rule)); check `branch`")
            }
            return asked
        }
    }
}
