import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func reassign(customer id: String, to owner: String, by caller: Manager) throws -> Reassignment {
        // First, so a manager hears "forbidden" whatever customer she names.
        try ReassignmentRules.checkCaller(caller)
        try ReassignmentRules.checkTarget(owner)
        let scope = Scope(caller, schema: schema)
        let table = scope.ownerTable
        let now = now()
        let reassignment = try replica.writeTransaction { db -> Reassignment in
            let inScope = scope.records(table)
            guard
                let record = try Replica.fetchRecords(
                    db, table, where: "t.id = ? AND \(inScope.sql)", arguments: [id] + inScope.statementArguments
                ).first
            else {
                throw ServiceError(.unknownRecord, "no customer \(id) in your scope; check the id")
            }
            let previous = record[scope.ownerColumn].textValue
            try checkReassignment(db, customer: id, from: previous, to: owner, by: caller)
            let written = try writeAsService(
                db, table, id: id, record: record, fields: [(scope.ownerColumn, .text(owner))], by: caller, at: now)
            let version = written[0].version
            let moved = try recordReassignment(
                db, customer: id, from: previous, to: owner, version: version, by: caller, at: now)
            return Reassignment(customer: id, from: previous, to: owner, version: version, records: moved)
        }
        logger.info("customer reassigned", metadata: ["by": "\(caller.id)", "to": "\(owner)"])
        return reassignment
    }

    /// Refuses a reassignment the caller may not make, or to a manager the store does not know.
    func checkReassignment(
        _ db: Database, customer: String, from previous: String?, to owner: String, by caller: Manager
    )
        throws
    {
        try ReassignmentRules.checkCaller(caller)
        try ReassignmentRules.check(customer: customer, from: previous, to: try requireManager(db, owner), by: caller)
    }

    /// Notes a change of owner made in this transaction, and moves the
    /// customer's records to this transaction's change counter, so the new
    /// owner's next pull brings the customer's whole history. Returns how many
    /// records came along.
    @discardableResult
    func recordReassignment(
        _ db: Database, customer: String, from previous: String?, to owner: String, version: Version,
        by caller: Manager,
        at now: UInt64
    ) throws -> Int {
        let seq = replica.transactionSeq
        try db.execute(
            sql: """
                INSERT INTO svc_reassignments(seq, customer, from_owner, to_owner, hlc, replica, by_manager, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                seq, customer, previous, owner, version.storedTimestamp, version.storedReplica, caller.id, Int64(now),
            ])
        var moved = 0
        for table in schema.tables {
            guard let parent = table.parentColumn else { continue }
            try db.execute(
                sql: """
                    UPDATE \(ReplicaLayout.clockTable(table)) SET seq = ?
                    WHERE id IN (SELECT id FROM \(ReplicaLayout.quote(table.name)) WHERE \(ReplicaLayout.quote(parent)) = ?)
                    """, arguments: [seq, customer])
            moved += db.changesCount
        }
        return moved
    }

    /// Writes fields of one record as the service itself (settling a
    /// conflict, reassigning a customer): a fresh version from the service's
    /// clock, logged in the audit trail under `caller`. Returns the changes written.
    func writeAsService(
        _ db: Database, _ table: TableSchema, id: String, record: FieldSyncReplica.Record?,
        fields: [(column: String, value: Value)], by caller: Manager, at now: UInt64
    ) throws -> [FieldChange] {
        var normalized: [(index: Int, value: Value)] = []
        for (column, value) in fields {
            normalized.append((table.columnIndex(column)!, try table.validate(value, for: column)))
        }
        let written = try replica.write(db, table, id: id, fields: normalized, mode: .upsert)
        // The service's own edits are not pending anywhere: they reach devices by pull.
        try db.execute(sql: "DELETE FROM fs_pending")
        replica.markChanged()
        let recorder = ConflictRecorder(db: db, detectedAt: now)
        let scope = Scope(caller, schema: schema)
        for change in written {
            let old = record.flatMap { record in table.columnIndex(change.column).map { record.values[$0] } } ?? .null
            try recorder.log(change, seq: replica.transactionSeq, manager: caller.id, old: old, won: true)
            if let move = RecordMove(change, old: old, schema: schema) { try note(db, move, scope: scope) }
        }
        return written
    }

    /// Notes a record moved in this transaction to another owner's customer (`RecordMove`).
    func note(_ db: Database, _ move: RecordMove, scope: Scope) throws {
        try db.execute(
            sql: RecordMove.noting(scope), arguments: StatementArguments([replica.transactionSeq] + move.arguments))
    }
}
