import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func push(_ changeSet: ChangeSet, from caller: SyncCaller, cursor: PullCursor?) throws -> PushResponse {
        guard changeSet.schemaVersion == schema.version else {
            throw ServiceError(
                .schemaVersion,
                "the push is for schema version \(changeSet.schemaVersion); this service speaks version \(schema.version): update the client"
            )
        }
        let now = now()
        let scope = Scope(caller.manager, schema: schema)
        let screening = screen(changeSet.changes, from: caller, now: now)
        let invalid = screening.rejected.filter { !ChangeRejection.policyCodes.contains($0.code) }
        guard invalid.isEmpty else { throw InvalidChanges(rejections: try withCurrentValues(invalid, scope: scope)) }
        let seenThrough = cursor?.completeThrough ?? 0
        var refused: [ChangeRejection] = []
        let conflicts = try replica.writeTransaction { db -> Int in
            try noteSync(db, of: caller.manager, at: now)
            var gate = ScopeGate(db: db, scope: scope)
            var recorder = ConflictRecorder(db: db, detectedAt: now)
            var fresh: [(change: FieldChange, old: Value)] = []
            for run in ChangeSet(schemaVersion: schema.version, changes: screening.accepted).rowRuns {
                let rowChanges = screening.accepted[run]
                let first = rowChanges[rowChanges.startIndex]
                let table = try schema.table(first.table)
                let record = try Replica.fetchRecords(db, table, where: "t.id = ?", arguments: [first.rowID]).first
                let deletedIndex = table.columns.count - 1
                let outOfScope = try gate.refusals(rowChanges, table: table, record: record)
                for (position, change) in zip(rowChanges.indices, rowChanges) {
                    if let reason = outOfScope[position] {
                        refused.append(
                            ChangeRejection(field: change.field, version: change.version, code: .forbidden, message: reason))
                        continue
                    }
                    let index = table.columnIndex(change.column)!
                    let current = record?.versions[index]
                    // A re-sent change: already taken in, nothing to do.
                    if current == change.version { continue }
                    if try recorder.isLogged(change) { continue }
                    let currentValue = record?.values[index] ?? .null
                    fresh.append((change, currentValue))
                    let mine = Conflict.Side(
                        column: change.column, value: change.value, version: change.version, manager: caller.manager.id)
                    // Two edits of the field without seeing each other.
                    if let current, change.base != current, current.replica != change.version.replica {
                        try recorder.record(
                            .field, table: table.name, rowID: change.rowID, column: change.column,
                            mine, recorder.side(table.name, change.rowID, change.column, currentValue, current))
                    }
                    guard let record else { continue }
                    if index != deletedIndex {
                        // An edit landing on a deleted record.
                        if record.isDeleted, let deletion = record.versions[deletedIndex],
                            deletion.replica != change.version.replica,
                            !rowChanges.contains(where: { $0.column == TableSchema.deletedColumn && $0.value == .integer(0) })
                        {
                            try recorder.record(
                                .editOnDeleted, table: table.name, rowID: change.rowID, column: change.column, mine,
                                recorder.side(table.name, change.rowID, TableSchema.deletedColumn, .integer(1), deletion))
                        }
                    } else if change.value == .integer(1), !record.isDeleted,
                        current.map({ MergeRule.incoming(change.version, wins: $0) }) ?? true
                    {
                        // A delete made without seeing an edit of another field.
                        for (other, version) in record.versions.enumerated() where other != deletedIndex {
                            guard let version, version.replica != change.version.replica,
                                try recorder.seq(of: table.name, change.rowID, table.columns[other].name, version)
                                    .map({ $0 > seenThrough }) ?? false
                            else { continue }
                            let column = table.columns[other].name
                            try recorder.record(
                                .editOnDeleted, table: table.name, rowID: change.rowID, column: column,
                                recorder.side(table.name, change.rowID, column, record.values[other], version), mine)
                        }
                    }
                }
            }
            guard !fresh.isEmpty else { return recorder.recorded }
            let outcome = try replica.merge(db, fresh.map(\.change), checkingClock: true)
            let won = Set(outcome.winningChanges)
            let seq = replica.transactionSeq
            replica.markChanged()
            for (position, entry) in fresh.enumerated() {
                let won = won.contains(position)
                try recorder.log(entry.change, seq: seq, manager: caller.manager.id, old: entry.old, won: won)
                // A new owner of an existing customer (a new customer's first owner is no reassignment).
                if won, entry.change.table == scope.ownerTable.name, entry.change.column == scope.ownerColumn,
                    !entry.old.isNull, entry.change.value != entry.old, let owner = entry.change.value.textValue
                {
                    try recordReassignment(
                        db, customer: entry.change.rowID, from: entry.old.textValue, to: owner,
                        version: entry.change.version, by: caller.manager, at: now)
                }
            }
            return recorder.recorded
        }
        let rejected = screening.rejected + refused
        if !rejected.isEmpty {
            logger.info(
                "push rejected changes",
                metadata: ["replica": "\(caller.replica)", "rejected": "\(rejected.count)", "forbidden": "\(refused.count)"])
        }
        return PushResponse(
            accepted: screening.accepted.count - refused.count,
            rejected: try withCurrentValues(screening.rejected, scope: scope) + refused, conflicts: conflicts,
            serverTimeMillis: now)
    }

    /// Splits pushed changes into those the service takes and those it refuses, each with its own reason.
    nonisolated func screen(_ changes: [FieldChange], from caller: SyncCaller, now: UInt64) -> (
        accepted: [FieldChange], rejected: [ChangeRejection]
    ) {
        var accepted: [FieldChange] = []
        var rejected: [ChangeRejection] = []
        var seen: [FieldRef: Int] = [:]
        let limit = now + maxClockAheadMillis
        for change in changes {
            func reject(_ code: ErrorCode, _ message: String) {
                rejected.append(ChangeRejection(field: change.field, version: change.version, code: code, message: message))
            }
            guard change.version.replica == caller.replica else {
                reject(.wrongReplica, "the change was stamped by replica \(change.version.replica), not by the pushing replica \(caller.replica): a replica pushes only its own edits")
                continue
            }
            if change.version.timestamp.millis > limit {
                let ahead = (change.version.timestamp.millis - now) / 1000
                reject(
                    .clockSkew,
                    "the change is stamped \(ahead) s ahead of the service's clock (the bound is \(maxClockAheadMillis / 1000) s): re-stamp it against the service's time and push again"
                )
                continue
            }
            do {
                let table = try schema.table(change.table)
                guard RowID.isValid(change.rowID) else {
                    throw SchemaViolation(.badID, field: table.name, "a \(table.name) record id must be a lower-case UUID")
                }
                let value = try table.validate(change.value, for: change.column)
                var normalized = change
                normalized.value = value
                if let earlier = seen[change.field] {
                    // One field twice in a push: keep what a merge would keep.
                    if accepted[earlier].version == change.version, accepted[earlier].value != value {
                        reject(.malformed, "the push holds two values for \(change.table).\(change.column) of record \(change.rowID) under one version")
                    } else if MergeRule.incoming(change.version, wins: accepted[earlier].version) {
                        accepted[earlier] = normalized
                    }
                    continue
                }
                seen[change.field] = accepted.count
                accepted.append(normalized)
            } catch let error as any FieldSyncError {
                reject(error.code, error.message)
            } catch {
                reject(.internal, "\(error)")
            }
        }
        // Rows grouped, so a merge takes each record in one statement.
        accepted.sort { ($0.table, $0.rowID) < ($1.table, $1.rowID) }
        return (accepted, rejected)
    }

    /// Adds what the service holds for each rejected field the caller may
    /// see, so a device that discards its change can go back to it.
    func withCurrentValues(_ rejected: [ChangeRejection], scope: Scope) throws -> [ChangeRejection] {
        guard !rejected.isEmpty else { return rejected }
        return try replica.read { db in
            try rejected.map { rejection in
                var rejection = rejection
                guard let table = try? schema.table(rejection.field.table),
                    let index = table.columnIndex(rejection.field.column), RowID.isValid(rejection.field.rowID)
                else { return rejection }
                let inScope = scope.records(table)
                guard
                    let record = try Replica.fetchRecords(
                        db, table, where: "t.id = ? AND \(inScope.sql)", arguments: [rejection.field.rowID] + inScope.arguments
                    ).first,
                    let version = record.versions[index]
                else { return rejection }
                rejection.current = (record.values[index], version)
                return rejection
            }
        }
    }
}
