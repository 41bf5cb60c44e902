import FieldSyncCore
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func conflicts(status: Conflict.Status?, for caller: Manager) throws -> [Conflict] {
        let inScope = Scope(caller, schema: schema).conflicts()
        return try replica.read { db in
            var sql = "SELECT * FROM svc_conflicts k WHERE \(inScope.sql)"
            var arguments = inScope.statementArguments
            if let status {
                sql += " AND k.status = ?"
                arguments += [status.rawValue]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY k.id DESC", arguments: arguments).map(
                Self.conflict(from:))
        }
    }

    public func conflict(id: Int64, for caller: Manager) throws -> Conflict {
        let scope = Scope(caller, schema: schema)
        return try replica.read { db in try Self.conflict(db, id: id, scope: scope) }
    }

    public func settle(conflict id: Int64, _ resolution: ConflictResolution, by caller: Manager) throws -> Conflict {
        let now = now()
        let scope = Scope(caller, schema: schema)
        let (settled, reassignedTo) = try replica.writeTransaction { db -> (Conflict, String?) in
            let conflict = try Self.conflict(db, id: id, scope: scope)
            let (table, fields) = try ConflictSettlement.fields(conflict, resolution, schema: schema)
            let record = try Replica.fetchRecords(db, table, where: "t.id = ?", arguments: [conflict.rowID]).first
            let reassignment = ConflictSettlement.reassignment(table, fields, current: record, scope: scope)
            if let reassignment {
                try checkReassignment(
                    db, customer: conflict.rowID, from: reassignment.from, to: reassignment.to, by: caller)
            }
            if let customer = ConflictSettlement.movedTo(table, fields, current: record), !scope.seesEverything {
                let inScope = scope.records(scope.ownerTable)
                if try Replica.fetchRecords(
                    db, scope.ownerTable, where: "t.id = ? AND \(inScope.sql)",
                    arguments: [customer] + inScope.statementArguments
                ).isEmpty {
                    throw ConflictSettlement.notInScope(customer)
                }
            }
            let written = try writeAsService(
                db, table, id: conflict.rowID, record: record, fields: fields, by: caller, at: now)
            // Settling with the value already held writes nothing new: the winner stands.
            let version = written.first?.version ?? conflict.sides.last!.version
            if let reassignment {
                try recordReassignment(
                    db, customer: conflict.rowID, from: reassignment.from, to: reassignment.to, version: version,
                    by: caller, at: now)
            }
            try db.execute(
                sql: """
                    UPDATE svc_conflicts SET status = 'settled', settled_by = ?, settled_at = ?, settled_hlc = ?, settled_replica = ?
                    WHERE id = ?
                    """,
                arguments: [caller.id, Int64(now), version.storedTimestamp, version.storedReplica, id])
            return (try Self.conflict(db, id: id, scope: scope), reassignment?.to)
        }
        ConflictSettlement.log(settled: id, by: caller, reassignedTo: reassignedTo, logger: logger)
        return settled
    }

    /// One conflict the caller may see; any other reads as unknown, so ids tell nothing.
    static func conflict(_ db: Database, id: Int64, scope: Scope) throws -> Conflict {
        let inScope = scope.conflicts()
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM svc_conflicts k WHERE k.id = ? AND \(inScope.sql)",
                arguments: [id] + inScope.statementArguments)
        else {
            throw ServiceError(
                .unknownConflict,
                "no conflict with id \(id); list them with `fieldsync conflicts list` (GET /v1/conflicts)")
        }
        return try conflict(from: row)
    }

    static func conflict(from row: Row) throws -> Conflict {
        func side(_ prefix: String) throws -> Conflict.Side {
            guard let version = Version(timestamp: row["\(prefix)_hlc"], replica: row["\(prefix)_replica"]) else {
                throw ServiceError(.storage, "conflict \(row["id"] as Int64) holds an invalid version")
            }
            return Conflict.Side(
                column: row["\(prefix)_col"], value: Value(row["\(prefix)_value"] as DatabaseValue), version: version,
                manager: row["\(prefix)_manager"])
        }
        var settlement: Conflict.Settlement?
        if let by = row["settled_by"] as String?, let at = row["settled_at"] as Int64?,
            let version = Version(timestamp: row["settled_hlc"], replica: row["settled_replica"])
        {
            settlement = Conflict.Settlement(by: by, atMillis: UInt64(at), version: version)
        }
        guard let kind = Conflict.Kind(rawValue: row["kind"]), let status = Conflict.Status(rawValue: row["status"])
        else {
            throw ServiceError(.storage, "conflict \(row["id"] as Int64) has an unknown kind or status")
        }
        return Conflict(
            id: row["id"], kind: kind, table: row["tbl"], rowID: row["row_id"], column: row["col"],
            sides: [try side("a"), try side("b")], detectedAtMillis: UInt64(row["detected_at"] as Int64),
            status: status,
            settlement: settlement)
    }
}
