import FieldSyncCore
import FieldSyncReplica
import GRDB

/// The rows a caller may see and change, as SQL over the central store: a
/// manager's own customers, a supervisor's branch, everything for an admin;
/// a child row (interaction, task, holding) goes with its customer. The SQL
/// reads the same in SQLite and PostgreSQL.
package struct Scope {
    package let caller: Manager
    let schema: Schema
    /// The table whose rows carry an owner (customers), and that column.
    package let ownerTable: TableSchema
    package let ownerColumn: String

    package init(_ caller: Manager, schema: Schema) {
        self.caller = caller
        self.schema = schema
        // The schema has exactly one owned table; child tables point at it.
        ownerTable = schema.tables.first { $0.ownerColumn != nil }!
        ownerColumn = ownerTable.ownerColumn!
    }

    package var seesEverything: Bool { caller.role == .admin }

    /// A condition on an expression naming a manager: is it one whose customers the caller sees?
    package func owns(_ owner: String) -> SQLCondition {
        switch caller.role {
        case .admin: SQLCondition("TRUE")
        case .supervisor: SQLCondition("\(owner) IN (SELECT id FROM svc_managers WHERE branch = ?)", [caller.branch])
        case .manager: SQLCondition("\(owner) = ?", [caller.id])
        }
    }

    /// A condition on records of `table` (aliased `alias`) in scope.
    /// `rowByRow`: for a query that walks records one by one (a pull page in
    /// `seq` order), a child's customer is looked up per row; otherwise the
    /// caller's customers are listed once, so an index on the parent column
    /// finds their records (a digest, a report).
    package func records(_ table: TableSchema, alias: String = "t", rowByRow: Bool = false) -> SQLCondition {
        if seesEverything { return SQLCondition("TRUE") }
        if let owner = table.ownerColumn { return owns("\(alias).\(ReplicaLayout.quote(owner))") }
        guard let parent = table.parentColumn else { return SQLCondition("FALSE") }
        let customers = ReplicaLayout.quote(ownerTable.name)
        let parentColumn = "\(alias).\(ReplicaLayout.quote(parent))"
        if rowByRow {
            let owned = owns("p.\(ReplicaLayout.quote(ownerColumn))")
            return SQLCondition(
                "EXISTS (SELECT 1 FROM \(customers) p WHERE p.id = \(parentColumn) AND \(owned.sql))", owned.arguments)
        }
        let owned = owns(ReplicaLayout.quote(ownerColumn))
        return SQLCondition("\(parentColumn) IN (SELECT id FROM \(customers) WHERE \(owned.sql))", owned.arguments)
    }

    /// A condition on `svc_conflicts` rows (aliased `alias`) about records in scope.
    package func conflicts(alias: String = "k") -> SQLCondition {
        if seesEverything { return SQLCondition("TRUE") }
        var parts: [String] = []
        var arguments: [String] = []
        for table in schema.tables {
            let condition = records(table)
            parts.append(
                "(\(alias).tbl = ? AND \(alias).row_id IN (SELECT t.id FROM \(ReplicaLayout.quote(table.name)) t WHERE \(condition.sql)))"
            )
            arguments += [table.name] + condition.arguments
        }
        return SQLCondition("(" + parts.joined(separator: " OR ") + ")", arguments)
    }

    /// Customers reassigned in transactions `(after, through]` that the caller
    /// no longer sees, as SQL whose first two arguments (`after`, `through`)
    /// the store binds before these; nil for an admin, who sees everything.
    package func removedCustomers() -> SQLCondition? {
        guard !seesEverything else { return nil }
        // Only customers that were the caller's: others' reassignments are none of their business.
        let previously = owns("r.from_owner")
        let now = owns("c.\(ReplicaLayout.quote(ownerColumn))")
        return SQLCondition(
            """
            SELECT DISTINCT r.customer FROM svc_reassignments r
            JOIN \(ReplicaLayout.quote(ownerTable.name)) c ON c.id = r.customer
            WHERE r.seq > ? AND r.seq <= ? AND \(previously.sql) AND NOT (\(now.sql)) ORDER BY r.customer
            """, previously.arguments + now.arguments)
    }

    /// Records moved in transactions `(after, through]` away from a customer
    /// the caller saw, and not in the caller's scope now (a record moved on,
    /// or back, may be), as SQL (`tbl`, `row_id`) whose first two arguments
    /// (`after`, `through`) the store binds before these; nil for an admin.
    package func removedRecords() -> SQLCondition? {
        guard !seesEverything else { return nil }
        // Each child table joined where the move names it: the record's customer now.
        let children = schema.tables.filter { $0.parentColumn != nil }
        let joins = children.enumerated().map { index, table in
            "LEFT JOIN \(ReplicaLayout.quote(table.name)) t\(index) ON m.tbl = ? AND t\(index).id = m.row_id"
        }
        let customer = children.enumerated().map { index, table in
            "t\(index).\(ReplicaLayout.quote(table.parentColumn!))"
        }
        let previously = owns("m.from_owner")
        let now = owns("p.\(ReplicaLayout.quote(ownerColumn))")
        return SQLCondition(
            """
            SELECT DISTINCT m.tbl, m.row_id FROM (SELECT * FROM svc_moves WHERE seq > ? AND seq <= ?) m
            \(joins.joined(separator: " "))
            WHERE \(previously.sql) AND NOT EXISTS (
              SELECT 1 FROM \(ReplicaLayout.quote(ownerTable.name)) p
              WHERE p.id = COALESCE(\(customer.joined(separator: ", "))) AND \(now.sql))
            ORDER BY m.tbl, m.row_id
            """, children.map(\.name) + previously.arguments + now.arguments)
    }

    /// Whether the caller sees the customers of `owner`.
    package func includes(owner: String?, _ facts: some ScopeFacts) throws -> Bool {
        guard let owner else { return seesEverything }
        switch caller.role {
        case .admin: return true
        case .manager: return owner == caller.id
        case .supervisor: return try facts.branch(of: owner) == caller.branch
        }
    }
}

/// A condition in SQL with a `?` for each argument (all of them text): valid
/// as it is in SQLite, and in PostgreSQL once the marks are numbered.
package struct SQLCondition: Sendable {
    package var sql: String
    package var arguments: [String]

    package init(_ sql: String, _ arguments: [String] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// The arguments for GRDB.
    var statementArguments: StatementArguments { StatementArguments(arguments) }
    var sqlite: (sql: String, arguments: StatementArguments) { (sql, statementArguments) }
}
