import FieldSyncCore
import GRDB

extension Replica {
    /// What a local write may do to the row it names.
    public enum WriteMode: Sendable {
        /// Create the row when the id is new, else edit it.
        case upsert
        /// The row must exist (`edit`, `delete`).
        case existing
        /// The row must not exist yet (`add`).
        case new
    }

    /// Fields of one row to write as a local edit.
    public struct Edit: Sendable {
        public var table: String
        public var id: String
        public var values: [(column: String, value: Value)]
        public var mode: WriteMode

        public init(_ table: String, id: String, values: [(column: String, value: Value)], mode: WriteMode = .upsert) {
            self.table = table
            self.id = id
            self.values = values
            self.mode = mode
        }
    }

    /// Writes fields of one row as a local edit: validates every value, stamps
    /// each changed field with a fresh version, and queues it as pending.
    /// Fields set to their current value are left alone. Returns the changes made.
    @discardableResult
    public func write(
        _ tableName: String, id rawID: String, values: [(column: String, value: Value)], mode: WriteMode = .upsert
    ) throws -> [FieldChange] {
        try write([Edit(tableName, id: rawID, values: values, mode: mode)])
    }

    /// Writes several rows as one local edit, all or nothing: a visit saved
    /// with the customer's new details and its follow-up task, say. Each row
    /// as `write(_:id:values:mode:)` writes it; returns the changes made.
    @discardableResult
    public func write(_ edits: [Edit]) throws -> [FieldChange] {
        let checked = try edits.map { edit in
            let table = try schema.table(edit.table)
            var normalized: [(index: Int, value: Value)] = []
            for (column, value) in edit.values {
                let schemaColumn = try table.column(column)
                let value = try table.validate(value, for: schemaColumn)
                let index = table.columnIndex(column)!
                normalized.removeAll { $0.index == index }
                normalized.append((index, value))
            }
            return (table: table, id: try RowID.normalized(edit.id), fields: normalized, mode: edit.mode)
        }
        return try writeTransaction { db in
            try checked.flatMap { try write(db, $0.table, id: $0.id, fields: $0.fields, mode: $0.mode) }
        }
    }

    /// Writes validated fields of one row inside the open write transaction.
    package func write(
        _ db: Database, _ table: TableSchema, id: String, fields: [(index: Int, value: Value)], mode: WriteMode
    ) throws -> [FieldChange] {
        var normalized = fields
        let existing = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first
        switch (mode, existing) {
        case (.existing, nil): throw ReplicaError.unknownRecord(table.name, id)
        case (.new, .some): throw ReplicaError(.recordExists, "a \(table.name) record with id \(id) already exists")
        default: break
        }
        if existing == nil {
            let deletedIndex = table.columns.count - 1
            if !normalized.contains(where: { $0.index == deletedIndex }) {
                normalized.append((deletedIndex, .integer(0)))
            }
            let missing = table.requiredColumnsMissing(
                filled: Set(normalized.filter { !$0.value.isNull }.map { table.columns[$0.index].name }))
            guard missing.isEmpty else {
                throw SchemaViolation(
                    .requiredField, field: "\(table.name).\(missing[0].name)",
                    "a new \(table.name) record needs: \(missing.map(\.name).joined(separator: ", "))")
            }
        }
        let changed = normalized.filter { existing?.values[$0.index] != $0.value }
        guard !changed.isEmpty else { return [] }
        // Only what changes: a reference already held stands even if its record was deleted since.
        try checkReferences(db, table, changed)
        try writeRecord(db, table, id: id, exists: existing != nil, fields: changed)
        var versions = existing?.fieldVersions ?? FieldVersions(count: table.columns.count)
        return try stamp(db, table, id: id, fields: changed, versions: &versions)
    }

    /// Marks a record deleted (a delete is an edit of the `deleted` field).
    @discardableResult
    public func delete(_ tableName: String, id: String) throws -> [FieldChange] {
        try write(tableName, id: id, values: [(TableSchema.deletedColumn, .integer(1))], mode: .existing)
    }

    private func checkReferences(_ db: Database, _ table: TableSchema, _ fields: [(index: Int, value: Value)]) throws {
        for (index, value) in fields {
            guard case .reference(let target) = table.columns[index].type, case .text(let id) = value else { continue }
            let deleted = try Int.fetchOne(
                db, cached: "SELECT deleted FROM \(ReplicaLayout.quote(target)) WHERE id = ?", arguments: [id])
            guard deleted == 0 else {
                throw ReplicaError(
                    .missingReference,
                    "\(table.name).\(table.columns[index].name) names \(target) record \(id), which "
                        + (deleted == nil ? "this replica does not hold" : "is deleted"))
            }
        }
    }

    private func writeRecord(
        _ db: Database, _ table: TableSchema, id: String, exists: Bool, fields: [(index: Int, value: Value)]
    ) throws {
        // Cached: its text varies only with the set of columns written, and a
        // device writes the same few sets over and over (compiling, with the
        // table's capture triggers, cost more than running it).
        let names = fields.map { ReplicaLayout.quote(table.columns[$0.index].name) }
        let values = fields.map(\.value.databaseValue)
        if exists {
            try db.execute(
                cached:
                    "UPDATE \(ReplicaLayout.quote(table.name)) SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?",
                arguments: StatementArguments(values + [id.databaseValue]))
        } else {
            try db.execute(
                cached:
                    "INSERT INTO \(ReplicaLayout.quote(table.name))(id, \(names.joined(separator: ", "))) VALUES (?\(String(repeating: ", ?", count: names.count)))",
                arguments: StatementArguments([id.databaseValue] + values))
        }
    }

    /// Gives `fields` (already written to the record) a fresh local version,
    /// saves the clock row and queues each field as pending.
    func stamp(
        _ db: Database, _ table: TableSchema, id: String, fields: [(index: Int, value: Value)],
        versions: inout FieldVersions
    ) throws -> [FieldChange] {
        // A merged value may carry a timestamp ahead of this clock (merges
        // admit up to the drift bound): the local edit must still supersede it.
        for (index, _) in fields {
            if let current = versions[index], current.timestamp >= clock.last {
                do throws(ClockSkew) { try clock.observe(current.timestamp) } catch {
                    throw ReplicaError(
                        .clockSkew,
                        "\(table.name).\(table.columns[index].name) of record \(id) has a version \(error.aheadMillis / 1000) s ahead of this device's clock: check the device's date and time"
                    )
                }
            }
        }
        let version = Version(timestamp: clock.next(), replica: replicaID)
        guard fields.allSatisfy({ versions[$0.index].map { $0 < version } ?? true }) else {
            throw ReplicaError(
                .clockSkew, "this device's clock cannot go past a stored version of \(table.name) record \(id)")
        }
        transactionChanged = true
        // Rejected changes are rare: look once per row, not once per field.
        let rowHasRejected =
            try Bool.fetchOne(
                db, cached: "SELECT EXISTS (SELECT 1 FROM fs_rejected WHERE tbl = ? AND row_id = ?)",
                arguments: [table.name, id]) ?? false
        var changes: [FieldChange] = []
        for (index, value) in fields {
            let column = table.columns[index].name
            // A field whose last push was rejected: this edit fixes it, and
            // its base is what the rejected change was based on, unless a
            // pull has since replaced the rejected value: then that is what
            // this writer last saw.
            let rejected =
                rowHasRejected
                ? try Row.fetchOne(
                    db,
                    cached: """
                        DELETE FROM fs_rejected WHERE tbl = ? AND row_id = ? AND col = ?
                        RETURNING hlc, replica, base_hlc, base_replica
                        """,
                    arguments: [table.name, id, column]) : nil
            var previous = versions[index]
            if let rejected, Version(timestamp: rejected["hlc"], replica: rejected["replica"]) == previous {
                previous = Version(timestamp: rejected["base_hlc"], replica: rejected["base_replica"])
            }
            versions[index] = version
            // The base is what this writer last saw of the field; a second
            // unsent edit of the same field keeps the base of the first.
            try db.execute(
                cached: """
                    INSERT INTO fs_pending(tbl, row_id, col, value, hlc, replica, base_hlc, base_replica)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(tbl, row_id, col) DO UPDATE SET
                      value = excluded.value, hlc = excluded.hlc, replica = excluded.replica,
                      base_hlc = iif(fs_pending.hlc IS excluded.base_hlc AND fs_pending.replica IS excluded.base_replica,
                                     fs_pending.base_hlc, excluded.base_hlc),
                      base_replica = iif(fs_pending.hlc IS excluded.base_hlc AND fs_pending.replica IS excluded.base_replica,
                                         fs_pending.base_replica, excluded.base_replica)
                    """,
                arguments: [
                    table.name, id, column, value.databaseValue, version.storedTimestamp, version.storedReplica,
                    previous?.storedTimestamp, previous?.storedReplica,
                ])
            changes.append(
                FieldChange(
                    table: table.name, rowID: id, column: column, value: value, version: version, base: previous))
            if refusedCapturesRemain { try dequeueCaptured(db, FieldRef(table: table.name, rowID: id, column: column)) }
        }
        if rowHasRejected {
            try resendRefusedRecord(db, table, id: id, versions: versions)
            if let owner = table.ownerColumn, fields.contains(where: { table.columns[$0.index].name == owner }) {
                try resendRefusedRecords(db, ofCustomer: id)
            }
        }
        try db.execute(
            cached: """
                INSERT INTO \(ReplicaLayout.clockTable(table))(id, seq, versions) VALUES (?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, versions = excluded.versions
                """,
            arguments: [id, transactionSeq, versions.encoded.databaseValue])
        return changes
    }
}

extension Replica {
    /// Refusals of a whole record (not the caller's, or created without a
    /// required field) that an edit of one of its fields can lift: setting a
    /// new customer's owner to oneself, say.
    static let recordRefusals: [ErrorCode] = [.forbidden, .requiredField]

    /// Queues again the record's changes the service refused whole, so they
    /// travel with the edit that may make the record acceptable (the service
    /// takes a new record only with its required fields). A change the
    /// record has moved past (a pulled newer value) stays refused.
    private func resendRefusedRecord(
        _ db: Database, _ table: TableSchema, id: String, versions: FieldVersions, codes: [ErrorCode] = recordRefusals
    ) throws {
        let refused = try Row.fetchAll(
            db,
            cached: """
                SELECT id, col, hlc, replica FROM fs_rejected
                WHERE tbl = ? AND row_id = ? AND code IN (\(codes.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
                """,
            arguments: [table.name, id])
        for row in refused {
            guard let index = table.columnIndex(row["col"]),
                versions[index] == Version(timestamp: row["hlc"], replica: row["replica"])
            else { continue }
            try db.execute(
                cached: """
                    INSERT INTO fs_pending(tbl, row_id, col, value, hlc, replica, base_hlc, base_replica)
                    SELECT tbl, row_id, col, value, hlc, replica, base_hlc, base_replica FROM fs_rejected WHERE id = ?
                    """,
                arguments: [row["id"] as Int64])
            try db.execute(cached: "DELETE FROM fs_rejected WHERE id = ?", arguments: [row["id"] as Int64])
        }
    }
}

extension Replica {
    /// Queues again, with an edit of a refused customer's owner (which may
    /// lift its refusal), its visits, tasks and holdings refused as not the
    /// manager's: refused with it, they would otherwise stay refused for good.
    private func resendRefusedRecords(_ db: Database, ofCustomer id: String) throws {
        for table in schema.tables {
            guard let parent = table.parentColumn else { continue }
            let refused = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT r.row_id FROM fs_rejected r
                    JOIN \(ReplicaLayout.quote(table.name)) t ON t.id = r.row_id
                    WHERE r.tbl = ? AND t.\(ReplicaLayout.quote(parent)) = ? AND r.code = '\(ErrorCode.forbidden.rawValue)'
                    """,
                arguments: [table.name, id])
            for child in refused {
                guard let record = try Self.fetchRecords(db, table, where: "t.id = ?", arguments: [child]).first
                else { continue }
                try resendRefusedRecord(db, table, id: child, versions: record.fieldVersions, codes: [.forbidden])
            }
        }
    }
}

extension [UInt8] {
    var databaseValue: DatabaseValue { Value.blob(self).databaseValue }
}
