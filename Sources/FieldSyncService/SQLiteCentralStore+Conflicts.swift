import FieldSyncCore
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func conflicts(status: Conflict.Status?) throws -> [Conflict] {
        try replica.read { db in
            let rows: [Row]
            if let status {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM svc_conflicts WHERE status = ? ORDER BY id DESC", arguments: [status.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM svc_conflicts ORDER BY id DESC")
            }
            return try rows.map(Self.conflict(from:))
        }
    }

    public func conflict(id: Int64) throws -> Conflict {
        try replica.read { db in try Self.conflict(db, id: id) }
    }

    public func settle(conflict id: Int64, _ resolution: ConflictResolution, by manager: String) throws -> Conflict {
        let now = now()
        let settled = try replica.writeTransaction { db -> Conflict in
            let conflict = try Self.conflict(db, id: id)
            guard conflict.status == .open, let winner = conflict.sides.last else {
                throw ServiceError(
                    .alreadySettled,
                    "conflict \(id) was settled by \(conflict.settlement?.by ?? "someone") already; its value is the current one")
            }
            let table = try schema.table(conflict.table)
            var fields: [(column: String, value: Value)]
            switch resolution {
            case .keep(let version):
                guard let side = conflict.sides.first(where: { $0.version == version }) else {
                    throw ServiceError(
                        .badArgument,
                        "conflict \(id) has no side with version \(version); keep one of: \(conflict.sides.map(\.version.description).joined(separator: ", "))")
                }
                fields = [(side.column, side.value)]
            case .value(let value):
                fields = [(conflict.column, value)]
            }
            if conflict.kind == .editOnDeleted {
                // Keeping the edit, or a new value, brings the record back.
                let keepsDeletion = fields.first?.column == TableSchema.deletedColumn
                if !keepsDeletion { fields.append((TableSchema.deletedColumn, .integer(0))) }
            }
            var normalized: [(index: Int, value: Value)] = []
            for (column, value) in fields {
                normalized.append((table.columnIndex(column)!, try table.validate(value, for: column)))
            }
            let record = try Replica.fetchRecords(db, table, where: "t.id = ?", arguments: [conflict.rowID]).first
            let written = try replica.write(db, table, id: conflict.rowID, fields: normalized, mode: .upsert)
            // The service's own edits are not pending anywhere: they reach devices by pull.
            try db.execute(sql: "DELETE FROM fs_pending")
            replica.markChanged()
            let recorder = ConflictRecorder(db: db, detectedAt: now)
            for change in written {
                let old = record.flatMap { record in table.columnIndex(change.column).map { record.values[$0] } } ?? .null
                try recorder.log(change, seq: replica.transactionSeq, manager: manager, old: old, won: true)
            }
            // Settling with the value already held writes nothing new: the winner stands.
            let version = written.first?.version ?? winner.version
            try db.execute(
                sql: """
                    UPDATE svc_conflicts SET status = 'settled', settled_by = ?, settled_at = ?, settled_hlc = ?, settled_replica = ?
                    WHERE id = ?
                    """,
                arguments: [manager, Int64(now), version.storedTimestamp, version.storedReplica, id])
            return try Self.conflict(db, id: id)
        }
        logger.info("conflict settled", metadata: ["conflict": "\(id)", "by": "\(manager)"])
        return settled
    }

    static func conflict(_ db: Database, id: Int64) throws -> Conflict {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM svc_conflicts WHERE id = ?", arguments: [id]) else {
            throw ServiceError(.unknownConflict, "no conflict with id \(id); list them with GET /v1/conflicts")
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
        guard let kind = Conflict.Kind(rawValue: row["kind"]), let status = Conflict.Status(rawValue: row["status"]) else {
            throw ServiceError(.storage, "conflict \(row["id"] as Int64) has an unknown kind or status")
        }
        return Conflict(
            id: row["id"], kind: kind, table: row["tbl"], rowID: row["row_id"], column: row["col"],
            sides: [try side("a"), try side("b")], detectedAtMillis: UInt64(row["detected_at"] as Int64), status: status,
            settlement: settlement)
    }
}
