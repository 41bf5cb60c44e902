import FieldSyncCore
import FieldSyncReplica
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    public func conflicts(status: Conflict.Status?, for caller: Manager) async throws -> [Conflict] {
        let inScope = Scope(caller, schema: schema).conflicts()
        return try await transaction(readOnly: true) { connection in
            var statement = PostgresStatement(inScope)
            statement.sql = "SELECT * FROM svc_conflicts k WHERE \(inScope.sql)"
            if let status {
                statement.sql += " AND k.status = ?"
                statement.arguments.append(.text(status.rawValue))
            }
            statement.sql += " ORDER BY k.id DESC"
            return try await connection.rows(statement, logger: logger).map(Self.conflict(from:))
        }
    }

    public func conflict(id: Int64, for caller: Manager) async throws -> Conflict {
        let scope = Scope(caller, schema: schema)
        return try await transaction(readOnly: true) { connection in
            try await conflict(connection, id: id, scope: scope)
        }
    }

    public func settle(conflict id: Int64, _ resolution: ConflictResolution, by caller: Manager) async throws
        -> Conflict
    {
        let now = now()
        let scope = Scope(caller, schema: schema)
        let (settled, reassignedTo) = try await transaction { connection -> (Conflict, String?) in
            let found = try await conflict(connection, id: id, scope: scope)
            // A customer's records too when the settlement may give it away: they move, as in a reassignment.
            let children =
                ConflictSettlement.mayReassign(found, scope: scope)
                ? try await childRecords(connection, ofCustomers: [found.rowID]) : []
            // And the customer a record may move to, so a push cannot delete or reassign it meanwhile.
            let planned = try ConflictSettlement.fields(found, resolution, schema: schema)
            let target = ConflictSettlement.movedTo(planned.table, planned.fields, current: nil).map {
                [(scope.ownerTable.name, $0)]
            }
            try await lock(connection, records: [(found.table, found.rowID)] + children + (target ?? []))
            // Read again under the record's lock: another instance may have settled it meanwhile.
            let conflict = try await conflict(connection, id: id, scope: scope)
            let (table, fields) = try ConflictSettlement.fields(conflict, resolution, schema: schema)
            let record = try await record(connection, table, id: conflict.rowID)
            let reassignment = ConflictSettlement.reassignment(table, fields, current: record, scope: scope)
            if let reassignment {
                try await checkReassignment(
                    connection, customer: conflict.rowID, from: reassignment.from, to: reassignment.to, by: caller)
            }
            if let customer = ConflictSettlement.movedTo(table, fields, current: record), !scope.seesEverything {
                if try await self.record(connection, scope.ownerTable, id: customer, scope.records(scope.ownerTable))
                    == nil
                {
                    throw ConflictSettlement.notInScope(customer)
                }
            }
            var state = try await ServiceState.lock(
                connection, maxDriftMillis: maxClockAheadMillis, wallClock: wallClock, logger: logger)
            let written = try await writeAsService(
                connection, table, id: conflict.rowID, record: record, fields: fields, by: caller, at: now,
                state: &state)
            // Settling with the value already held writes nothing new: the winner stands.
            let version = written.first?.version ?? conflict.sides.last!.version
            if let reassignment {
                try await recordReassignment(
                    connection, customer: conflict.rowID, from: reassignment.from, to: reassignment.to,
                    version: version, by: caller, at: now, seq: state.seq)
            }
            try await connection.run(
                """
                UPDATE svc_conflicts SET status = 'settled', settled_by = ?, settled_at = ?, settled_hlc = ?, settled_replica = ?
                WHERE id = ?
                """,
                [
                    .text(caller.id), .integer(Int64(now)), .integer(version.storedTimestamp),
                    .integer(version.storedReplica), .integer(id),
                ], logger: logger)
            try await state.save(connection, schema: schema, logger: logger)
            return (try await self.conflict(connection, id: id, scope: scope), reassignment?.to)
        }
        ConflictSettlement.log(settled: id, by: caller, reassignedTo: reassignedTo, logger: logger)
        return settled
    }

    /// One conflict the caller may see; any other reads as unknown, so ids tell nothing.
    func conflict(_ connection: PostgresConnection, id: Int64, scope: Scope) async throws -> Conflict {
        let inScope = scope.conflicts()
        guard
            let row = try await connection.rows(
                "SELECT * FROM svc_conflicts k WHERE k.id = ? AND \(inScope.sql)",
                [.integer(id)] + inScope.arguments.map(PostgresArgument.text), logger: logger
            ).first
        else {
            throw ServiceError(
                .unknownConflict,
                "no conflict with id \(id); list them with `fieldsync conflicts list` (GET /v1/conflicts)")
        }
        return try Self.conflict(from: row)
    }

    static func conflict(from row: PostgresRandomAccessRow) throws -> Conflict {
        let id = try row.integer("id")
        func side(_ prefix: String) throws -> Conflict.Side {
            guard
                let version = Version(
                    timestamp: try row.integer("\(prefix)_hlc"), replica: try row.integer("\(prefix)_replica"))
            else { throw ServiceError(.storage, "conflict \(id) holds an invalid version") }
            return Conflict.Side(
                column: try row.text("\(prefix)_col"),
                value: try PostgresValueText.decode(row.optionalText("\(prefix)_value")),
                version: version, manager: try row.optionalText("\(prefix)_manager"))
        }
        var settlement: Conflict.Settlement?
        if let by = try row.optionalText("settled_by"), let at = try row.optionalInteger("settled_at"),
            let version = Version(
                timestamp: try row.optionalInteger("settled_hlc"), replica: try row.optionalInteger("settled_replica"))
        {
            settlement = Conflict.Settlement(by: by, atMillis: UInt64(at), version: version)
        }
        guard let kind = Conflict.Kind(rawValue: try row.text("kind")),
            let status = Conflict.Status(rawValue: try row.text("status"))
        else { throw ServiceError(.storage, "conflict \(id) has an unknown kind or status") }
        return Conflict(
            id: id, kind: kind, table: try row.text("tbl"), rowID: try row.text("row_id"), column: try row.text("col"),
            sides: [try side("a"), try side("b")], detectedAtMillis: UInt64(try row.integer("detected_at")),
            status: status,
            settlement: settlement)
    }
}
