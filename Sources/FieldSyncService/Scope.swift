import FieldSyncCore
import FieldSyncReplica
import GRDB

/// The rows a caller may see and change, as SQL over the central store: a
/// manager's own customers, a supervisor's branch, everything for an admin;
/// a child row (interaction, task, holding) goes with its customer.
struct Scope {
    let caller: Manager
    let schema: Schema
    /// The table whose rows carry an owner (customers), and that column.
    let ownerTable: TableSchema
    let ownerColumn: String

    init(_ caller: Manager, schema: Schema) {
        self.caller = caller
        self.schema = schema
        // The schema has exactly one owned table; child tables point at it.
        ownerTable = schema.tables.first { $0.ownerColumn != nil }!
        ownerColumn = ownerTable.ownerColumn!
    }

    var seesEverything: Bool { caller.role == .admin }

    /// A condition on an expression naming a manager: is it one whose customers the caller sees?
    func owns(_ owner: String) -> (sql: String, arguments: StatementArguments) {
        switch caller.role {
        case .admin: ("1", [])
        case .supervisor: ("\(owner) IN (SELECT id FROM svc_managers WHERE branch = ?)", [caller.branch])
        case .manager: ("\(owner) = ?", [caller.id])
        }
    }

    /// A condition on records of `table` (aliased `alias`) in scope.
    /// `rowByRow`: for a query that walks records one by one (a pull page in
    /// `seq` order), a child's customer is looked up per row; otherwise the
    /// caller's customers are listed once, so an index on the parent column
    /// finds their records (a digest, a report).
    func records(
        _ table: TableSchema, alias: String = "t", rowByRow: Bool = false
    ) -> (sql: String, arguments: StatementArguments) {
        if seesEverything { return ("1", []) }
        if let owner = table.ownerColumn { return owns("\(alias).\(ReplicaLayout.quote(owner))") }
        guard let parent = table.parentColumn else { return ("0", []) }
        let customers = ReplicaLayout.quote(ownerTable.name)
        let parentColumn = "\(alias).\(ReplicaLayout.quote(parent))"
        if rowByRow {
            let owned = owns("p.\(ReplicaLayout.quote(ownerColumn))")
            return ("EXISTS (SELECT 1 FROM \(customers) p WHERE p.id = \(parentColumn) AND \(owned.sql))", owned.arguments)
        }
        let owned = owns(ReplicaLayout.quote(ownerColumn))
        return ("\(parentColumn) IN (SELECT id FROM \(customers) WHERE \(owned.sql))", owned.arguments)
    }

    /// A condition on `svc_conflicts` rows (aliased `alias`) about records in scope.
    func conflicts(alias: String = "k") -> (sql: String, arguments: StatementArguments) {
        if seesEverything { return ("1", []) }
        var parts: [String] = []
        var arguments = StatementArguments()
        for table in schema.tables {
            let condition = records(table)
            parts.append(
                "(\(alias).tbl = ? AND \(alias).row_id IN (SELECT t.id FROM \(ReplicaLayout.quote(table.name)) t WHERE \(condition.sql)))"
            )
            arguments += [table.name]
            arguments += condition.arguments
        }
        return ("(" + parts.joined(separator: " OR ") + ")", arguments)
    }

    /// Whether the caller sees the customers of `owner`.
    func includes(owner: String?, _ db: Database) throws -> Bool {
        guard let owner else { return seesEverything }
        switch caller.role {
        case .admin: return true
        case .manager: return owner == caller.id
        case .supervisor:
            return try String.fetchOne(db, sql: "SELECT branch FROM svc_managers WHERE id = ?", arguments: [owner])
                == caller.branch
        }
    }
}
