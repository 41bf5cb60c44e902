import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    public func reassign(customer id: String, to owner: String, by caller: Manager) async throws -> Reassignment {
        // First, so a manager hears "forbidden" whatever customer she names.
        try ReassignmentRules.checkCaller(caller)
        try ReassignmentRules.checkTarget(owner)
        let scope = Scope(caller, schema: schema)
        let table = scope.ownerTable
        let now = now()
        let reassignment = try await transaction { connection -> Reassignment in
            try await lock(connection, records: [(table.name, id)] + childRecords(connection, ofCustomers: [id]))
            guard let record = try await record(connection, table, id: id, scope.records(table)) else {
                throw ServiceError(.unknownRecord, "no customer \(id) in your scope; check the id")
            }
            let previous = record[scope.ownerColumn].textValue
            try await checkReassignment(connection, customer: id, from: previous, to: owner, by: caller)
            var state = try await ServiceState.lock(
                connection, maxDriftMillis: maxClockAheadMillis, wallClock: wallClock, logger: logger)
            let written = try await writeAsService(
                connection, table, id: id, record: record, fields: [(scope.ownerColumn, .text(owner))], by: caller,
                at: now,
                state: &state)
            let version = written[0].version
            let moved = try await recordReassignment(
                connection, customer: id, from: previous, to: owner, version: version, by: caller, at: now,
                seq: state.seq)
            try await state.save(connection, schema: schema, logger: logger)
            return Reassignment(customer: id, from: previous, to: owner, version: version, records: moved)
        }
        logger.info("customer reassigned", metadata: ["by": "\(caller.id)", "to": "\(owner)"])
        return reassignment
    }

    /// The records of these customers (their interactions, tasks and so
    /// on). A transaction that moves them locks them with its own records,
    /// before it takes the counter: a push writing one of them would
    /// otherwise hold its row while waiting for the counter at commit, and
    /// the move wait for that row (a deadlock, broken only after PostgreSQL's
    /// `deadlock_timeout`, every commit stalled meanwhile).
    func childRecords(
        _ connection: PostgresConnection, ofCustomers ids: [String]
    ) async throws -> [(table: String, id: String)] {
        var records: [(table: String, id: String)] = []
        for table in schema.tables {
            guard let parent = table.parentColumn else { continue }
            for row in try await connection.rows(
                "SELECT id FROM \(ReplicaLayout.quote(table.name)) WHERE \(ReplicaLayout.quote(parent)) = ANY(?)",
                [.texts(ids)], logger: logger)
            {
                records.append((table.name, try row[0].decode(String.self)))
            }
        }
        return records
    }

    /// Refuses a reassignment the caller may not make, or to a manager the store does not know.
    func checkReassignment(
        _ connection: PostgresConnection, customer: String, from previous: String?, to owner: String, by caller: Manager
    ) async throws {
        try ReassignmentRules.checkCaller(caller)
        try ReassignmentRules.check(
            customer: customer, from: previous, to: try await requireManager(connection, owner), by: caller)
    }

    /// Notes a change of owner made in transaction `seq`, and moves the
    /// customer's records to it, so the new owner's next pull brings the
    /// customer's whole history. Returns how many records came along.
    @discardableResult
    func recordReassignment(
        _ connection: PostgresConnection, customer: String, from previous: String?, to owner: String, version: Version,
        by caller: Manager, at now: UInt64, seq: Int64
    ) async throws -> Int {
        try await connection.run(
            """
            INSERT INTO svc_reassignments(seq, customer, from_owner, to_owner, hlc, replica, by_manager, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(seq),
                .text(customer), PostgresArgument(previous), .text(owner), .integer(version.storedTimestamp),
                .integer(version.storedReplica), .text(caller.id), .integer(Int64(now)),
            ], logger: logger)
        var moved = 0
        for table in schema.tables {
            guard let parent = table.parentColumn else { continue }
            moved += try await connection.run(
                """
                UPDATE \(ReplicaLayout.clockTable(table)) SET seq = ?
                WHERE id IN (SELECT id FROM \(ReplicaLayout.quote(table.name)) WHERE \(ReplicaLayout.quote(parent)) = ?)
                RETURNING 1
                """, [.integer(seq), .text(customer)], logger: logger)
        }
        return moved
    }

    /// Writes fields of one record as the service itself (settling a
    /// conflict, reassigning a customer): a fresh version from the service's
    /// clock, logged in the audit trail under `caller`. Returns the changes written.
    func writeAsService(
        _ connection: PostgresConnection, _ table: TableSchema, id: String, record: FieldSyncReplica.Record?,
        fields: [(column: String, value: Value)], by caller: Manager, at now: UInt64, state: inout ServiceState
    ) async throws -> [FieldChange] {
        var changed: [(index: Int, value: Value)] = []
        for (column, value) in fields {
            let index = table.columnIndex(column)!
            let value = try table.validate(value, for: column)
            if record?.values[index] != value { changed.append((index, value)) }
        }
        guard !changed.isEmpty else { return [] }
        try await checkReferences(connection, table, changed)
        var versions = record?.fieldVersions ?? FieldVersions(count: table.columns.count)
        let version = try state.stamp(past: changed.map { versions[$0.index] }) { position in
            "\(table.name).\(table.columns[changed[position].index].name) of record \(id)"
        }
        var written: [(change: FieldChange, old: Value, won: Bool)] = []
        for (index, value) in changed {
            written.append(
                (
                    FieldChange(
                        table: table.name, rowID: id, column: table.columns[index].name, value: value, version: version),
                    record?.values[index] ?? .null, true
                ))
            versions[index] = version
        }
        try await write(connection, table, id: id, fields: changed, versions: versions, seq: state.seq)
        try await log(connection, written, seq: state.seq, manager: caller.id, at: now)
        let scope = Scope(caller, schema: schema)
        for (change, old, _) in written {
            guard let move = RecordMove(change, old: old, schema: schema) else { continue }
            _ = try await connection.rows(noting(move, scope: scope, seq: state.seq), logger: logger)
        }
        return written.map(\.change)
    }

    /// A reference the service writes (settling a conflict on `customer_id`)
    /// must name a record the store holds and has not deleted, as on SQLite,
    /// whose replica checks it on every write.
    private func checkReferences(
        _ connection: PostgresConnection, _ table: TableSchema, _ fields: [(index: Int, value: Value)]
    ) async throws {
        for (index, value) in fields {
            guard case .reference(let target) = table.columns[index].type, case .text(let id) = value else { continue }
            let deleted = try await connection.rows(
                "SELECT deleted FROM \(ReplicaLayout.quote(target)) WHERE id = ?", [.text(id)], logger: logger
            ).first.map { try $0[0].decode(Int64.self) }
            guard deleted == 0 else {
                throw ServiceError(
                    .missingReference,
                    "\(table.name).\(table.columns[index].name) names \(target) record \(id), which "
                        + (deleted == nil ? "the service does not hold" : "is deleted"))
            }
        }
    }
}
