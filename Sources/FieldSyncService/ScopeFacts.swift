import FieldSyncCore
import FieldSyncReplica
import GRDB

/// What deciding a push's scope needs to know about the store: who is in
/// which branch, who owns a customer, and who owned it before. The SQLite
/// store asks its open transaction; the PostgreSQL store answers from what it
/// read (and locked) before deciding, since the decision runs without awaiting.
package protocol ScopeFacts {
    /// The branch of a manager, or nil when there is no such manager.
    func branch(of manager: String) throws -> String?
    /// A customer's owner and the owner field's version; nil when the service holds no such customer.
    func owner(ofCustomer id: String) throws -> (owner: String?, version: Version?)?
    /// Who owned a customer just before `version`, by the audit trail.
    func owner(ofCustomer id: String, before version: Version) throws -> String?
    /// The customer a record of `table` (one with a parent column) had just
    /// before `version`, by the audit trail.
    func customer(of table: TableSchema, record id: String, before version: Version) throws -> String?
}

/// Scope facts read inside an SQLite transaction.
struct SQLiteScopeFacts: ScopeFacts {
    let db: Database
    let scope: Scope

    func branch(of manager: String) throws -> String? {
        try String.fetchOne(db, cached: "SELECT branch FROM svc_managers WHERE id = ?", arguments: [manager])
    }

    func owner(ofCustomer id: String) throws -> (owner: String?, version: Version?)? {
        let ownerIndex = scope.ownerTable.columnIndex(scope.ownerColumn)!
        return try Replica.fetchRecords(db, scope.ownerTable, where: "t.id = ?", arguments: [id]).first.map {
            ($0.values[ownerIndex].textValue, $0.versions[ownerIndex])
        }
    }

    func owner(ofCustomer id: String, before version: Version) throws -> String? {
        try loggedValue(scope.ownerTable.name, id, scope.ownerColumn, before: version)
    }

    func customer(of table: TableSchema, record id: String, before version: Version) throws -> String? {
        guard let parent = table.parentColumn else { return nil }
        return try loggedValue(table.name, id, parent, before: version)
    }

    /// The value of a field logged last before `version`: the field's value
    /// then (of two entries with one timestamp, the higher version's, which
    /// won; as `PushFacts` picks on PostgreSQL).
    private func loggedValue(_ table: String, _ id: String, _ column: String, before version: Version) throws
        -> String?
    {
        try String.fetchOne(
            db,
            cached: """
                SELECT value FROM svc_log WHERE tbl = ? AND row_id = ? AND col = ? AND hlc < ?
                ORDER BY hlc DESC, replica DESC LIMIT 1
                """,
            arguments: [table, id, column, version.storedTimestamp])
    }
}
