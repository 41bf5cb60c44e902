import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func push(_ changeSet: ChangeSet, from caller: SyncCaller, cursor: PullCursor?) throws -> PushResponse {
        let now = now()
        let scope = Scope(caller.manager, schema: schema)
        let screening = try PushScreening(
            changeSet, from: caller, schema: schema, now: now, maxClockAheadMillis: maxClockAheadMillis)
        if let invalid = screening.invalid {
            throw InvalidChanges(rejections: try withCurrentValues(invalid, scope: scope))
        }
        var refused: [ChangeRejection] = []
        var resumeAfter: PullCursor?
        var unseen: [RecordRef] = []
        let conflicts = try replica.writeTransaction { db -> Int in
            // A cursor from a history this store lost (`CursorGaps`) never vouches that the device
            // holds everything. (How far it had pulled stays right: no transaction here falls in
            // the range skipped.)
            let lost = try CursorGaps.isLost(db, cursor)
            if syncNotes.isDue(for: caller.manager.id, at: now) { try noteSync(db, of: caller.manager, at: now) }
            // The device held everything in its scope: if the push is taken
            // whole, it holds the pushed rows as the service now does. Outside
            // edits stamped as this transaction began (plain SQL on the
            // service's file) take its counter too, unseen by the device.
            let wasCurrent =
                try screening.rejected.isEmpty && !replica.hasChangedInTransaction
                && !lost
                && (cursor.map {
                    try ScopeChanges.isCurrent(db, scope, at: $0, committed: replica.transactionSeq - 1)
                } ?? false)
            let seenThrough = PushPlan.seenThrough(cursor, committed: replica.transactionSeq - 1)
            var gate = ScopeGate(facts: SQLiteScopeFacts(db: db, scope: scope), scope: scope)
            var recorder = ConflictRecorder(db: db, detectedAt: now)
            let plan = try PushPlan(
                screening.accepted, schema: schema, caller: caller.manager, seenThrough: seenThrough, gate: &gate,
                ledger: &recorder
            ) { table, id in try Replica.fetchRecords(db, table, where: "t.id = ?", arguments: [id]).first }
            refused = plan.refused
            unseen = gate.unseenRecords
            let fresh = plan.fresh
            guard !fresh.isEmpty else { return recorder.recorded }
            let outcome = try replica.merge(db, fresh.map(\.change), checkingClock: true)
            let won = Set(outcome.winningChanges)
            let seq = replica.transactionSeq
            replica.markChanged()
            var reassignedOrMoved = false
            for (position, entry) in fresh.enumerated() {
                let won = won.contains(position)
                try recorder.log(entry.change, seq: seq, manager: caller.manager.id, old: entry.old, won: won)
                if let owner = PushPlan.reassignment(entry, won: won, scope: scope) {
                    reassignedOrMoved = true
                    try recordReassignment(
                        db, customer: entry.change.rowID, from: entry.old.textValue, to: owner,
                        version: entry.change.version, by: caller.manager, at: now)
                }
                if won, let move = RecordMove(entry.change, old: entry.old, schema: schema) {
                    reassignedOrMoved = true
                    try note(db, move, scope: scope)
                }
            }
            if wasCurrent, refused.isEmpty, won.count == fresh.count, !reassignedOrMoved, recorder.recorded == 0 {
                resumeAfter = PullCursor(seq: seq)
            }
            return recorder.recorded
        }
        screening.logRejections(refused: refused, from: caller, logger: logger)
        return PushResponse(
            accepted: screening.accepted.count - refused.count,
            rejected: try withCurrentValues(screening.rejected + refused, scope: scope), conflicts: conflicts,
            serverTimeMillis: now, cursor: resumeAfter, removedRecords: unseen)
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
                        db, table, where: "t.id = ? AND \(inScope.sql)",
                        arguments: [rejection.field.rowID] + inScope.statementArguments
                    ).first,
                    let version = record.versions[index]
                else { return rejection }
                rejection.current = (record.values[index], version)
                return rejection
            }
        }
    }
}
