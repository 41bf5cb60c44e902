import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import PostgresNIO

extension PostgresCentralStore {
    /// One transaction: lock the pushed records, read what deciding needs,
    /// decide (`PushPlan`, the SQLite store's rules), then take the counter
    /// and write. Two instances pushing one record at once are serialised by
    /// its lock: the second sees the first's version and records the conflict once.
    public func push(_ changeSet: ChangeSet, from caller: SyncCaller, cursor: PullCursor?) async throws -> PushResponse
    {
        let now = now()
        let scope = Scope(caller.manager, schema: schema)
        let screening = try PushScreening(
            changeSet, from: caller, schema: schema, now: now, maxClockAheadMillis: maxClockAheadMillis)
        if let invalid = screening.invalid {
            throw InvalidChanges(rejections: try await withCurrentValues(invalid, scope: scope))
        }
        let accepted = screening.accepted
        // `whole`: the push's provisional seq when every change was new and won, moving nothing.
        let (conflicts, refused, unseen, whole) = try await transaction {
            connection -> (Int, [ChangeRejection], [RecordRef], Int64?) in
            // A push that may give customers away (a supervisor's or an admin's) locks their records too
            // (`childRecords`).
            let givenAway = accepted.filter {
                caller.manager.role != .manager && $0.table == scope.ownerTable.name && $0.column == scope.ownerColumn
            }
            let provisional = try await lockForPush(
                connection,
                records: accepted.map { ($0.table, $0.rowID) }
                    + (givenAway.isEmpty ? [] : childRecords(connection, ofCustomers: givenAway.map(\.rowID))))
            var facts = try await pushFacts(connection, accepted, scope: scope)
            // Read only for a push that deletes, the one rule asking (as the log's seqs: `pushFacts`).
            let seenThrough =
                PushPlan.readsSeqs(accepted)
                ? PushPlan.seenThrough(cursor, committed: try await committedSeq(connection)) : 0
            var gate = ScopeGate(facts: facts, scope: scope)
            let records = facts.records
            let plan = try PushPlan(
                accepted, schema: schema, caller: caller.manager, seenThrough: seenThrough, gate: &gate, ledger: &facts
            ) { table, id in records[table.name]?[id] }
            if syncNotes.withLock({ $0.isDue(for: caller.manager.id, at: now) }) {
                try await noteSync(connection, of: caller.manager, at: now)
            }
            let conflicts = try await facts.writeConflicts(connection, detectedAt: now, logger: logger)
            guard !plan.fresh.isEmpty else { return (conflicts, plan.refused, gate.unseenRecords, nil) }
            // From the counter to commit every other writer waits: the push takes it as it commits.
            let (writes, won) = try merging(plan.fresh.map(\.change), records: records, seq: provisional)
            let logged = logging(
                plan.fresh.enumerated().map { ($1.change, $1.old, won.contains($0)) }, seq: provisional,
                manager: caller.manager.id, at: now)
            let taking = ServiceState.takingAtCommit(
                provisional,
                observing: plan.fresh.lazy.map(\.change.version.timestamp).max()!, wallMillis: wallClock())
            let moves = plan.fresh.enumerated().compactMap { position, entry in
                won.contains(position) ? RecordMove(entry.change, old: entry.old, schema: schema) : nil
            }
            try await connection.runTogether(
                writes + logged + moves.map { noting($0, scope: scope, seq: provisional) } + [taking], logger: logger)
            let reassigned = plan.fresh.enumerated().compactMap { position, entry in
                PushPlan.reassignment(entry, won: won.contains(position), scope: scope).map { (entry, $0) }
            }
            if !reassigned.isEmpty {
                // Moving a customer's records must see every push committed before this one: one
                // committing meanwhile (a visit added by the old owner) would keep its earlier seq,
                // below the new owner's next cursor. So a push that reassigns holds the counter
                // from here (rare: other commits wait). Its records are locked (above), so no push
                // holding one waits for the counter while this waits for it. (A record added since
                // is not locked: a push editing it meanwhile deadlocks with this one, which
                // PostgreSQL detects after `deadlock_timeout`; the push chosen is retried.)
                try await ServiceState.hold(connection, logger: logger)
                for (entry, owner) in reassigned {
                    try await recordReassignment(
                        connection, customer: entry.change.rowID, from: entry.old.textValue, to: owner,
                        version: entry.change.version, by: caller.manager, at: now, seq: provisional)
                }
            }
            let whole = won.count == plan.fresh.count && moves.isEmpty && reassigned.isEmpty
            return (conflicts, plan.refused, gate.unseenRecords, whole ? provisional : nil)
        }
        let resumeAfter =
            if let whole, conflicts == 0, refused.isEmpty, screening.rejected.isEmpty {
                await cursorAfterPush(whole, from: cursor, by: caller.manager)
            } else { PullCursor?.none }
        screening.logRejections(refused: refused, from: caller, logger: logger)
        return PushResponse(
            accepted: accepted.count - refused.count,
            rejected: try await withCurrentValues(screening.rejected + refused, scope: scope), conflicts: conflicts,
            serverTimeMillis: now, cursor: resumeAfter, removedRecords: unseen)
    }

    /// Merges changes (each new to the service) into the records they name,
    /// field by field (`MergeRule`): the statements writing the winners, and
    /// the positions of the changes that won.
    private func merging(
        _ changes: [FieldChange], records: [String: [String: FieldSyncReplica.Record]], seq: Int64
    ) throws -> (statements: [PostgresStatement], won: Set<Int>) {
        var writes: [RecordWrite] = []
        var won = Set<Int>()
        for run in ChangeSet(schemaVersion: schema.version, changes: changes).rowRuns {
            let first = changes[run.lowerBound]
            let table = try schema.table(first.table)
            let record = records[table.name]?[first.rowID]
            var versions = record?.fieldVersions ?? FieldVersions(count: table.columns.count)
            var winners: [Int: (value: Value, position: Int)] = [:]
            for position in run {
                let change = changes[position]
                let index = table.columnIndex(change.column)!
                if MergeRule.incoming(change.version, wins: versions[index]) {
                    versions[index] = change.version
                    winners[index] = (change.value, position)
                }
            }
            guard !winners.isEmpty else { continue }
            won.formUnion(winners.values.map(\.position))
            writes.append(
                RecordWrite(
                    table: table, id: first.rowID, fields: winners.keys.sorted().map { ($0, winners[$0]!.value) },
                    versions: versions))
        }
        return (RecordWrite.statements(writes, seq: seq), won)
    }

    /// Adds each change to the audit trail.
    func log(
        _ connection: PostgresConnection, _ entries: [(change: FieldChange, old: Value, won: Bool)], seq: Int64,
        manager: String?, at now: UInt64
    ) async throws {
        try await connection.runTogether(logging(entries, seq: seq, manager: manager, at: now), logger: logger)
    }

    /// The statements `log` runs, a thousand entries each.
    func logging(
        _ entries: [(change: FieldChange, old: Value, won: Bool)], seq: Int64, manager: String?, at now: UInt64
    ) -> [PostgresStatement] {
        stride(from: 0, to: entries.count, by: 1000).map { start in
            let batch = entries[start..<min(entries.count, start + 1000)]
            var arguments: [PostgresArgument] = []
            for (change, old, won) in batch {
                arguments +=
                    [
                        .text(change.table), .text(change.rowID), .text(change.column),
                        .integer(change.version.storedTimestamp),
                        .integer(change.version.storedReplica),
                        .integer(seq),
                        PostgresArgument(manager), .integer(Int64(now)),
                        PostgresArgument(PostgresValueText.encode(change.value)),
                        PostgresArgument(PostgresValueText.encode(old)), .boolean(won),
                    ]
            }
            let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            return PostgresStatement(
                """
                INSERT INTO svc_log(tbl, row_id, col, hlc, replica, seq, manager, received_at, value, old_value, won)
                VALUES \(Array(repeating: row, count: batch.count).joined(separator: ", "))
                ON CONFLICT DO NOTHING
                """, arguments)
        }
    }

    /// The statement noting a record moved to another owner's customer (`RecordMove`).
    func noting(_ move: RecordMove, scope: Scope, seq: Int64) -> PostgresStatement {
        PostgresStatement(RecordMove.noting(scope), [.integer(seq)] + move.arguments.map(PostgresArgument.text))
    }

    /// Notes that a manager synced (pushed, or finished a pull), for the branch report.
    func noteSync(_ connection: PostgresConnection, of manager: Manager, at millis: UInt64) async throws {
        try await connection.run(
            "UPDATE svc_managers SET last_sync_at = ? WHERE id = ?", [.integer(Int64(millis)), .text(manager.id)],
            prepared: true, logger: logger)
        syncNotes.withLock { $0.note(manager.id, at: millis) }
    }

    /// Adds what the service holds for each rejected field the caller may
    /// see, so a device that discards its change can go back to it.
    func withCurrentValues(_ rejected: [ChangeRejection], scope: Scope) async throws -> [ChangeRejection] {
        guard !rejected.isEmpty else { return rejected }
        return try await transaction(readOnly: true) { connection in
            var answered: [ChangeRejection] = []
            for var rejection in rejected {
                if let table = try? schema.table(rejection.field.table),
                    let index = table.columnIndex(rejection.field.column), RowID.isValid(rejection.field.rowID),
                    let record = try await record(connection, table, id: rejection.field.rowID, scope.records(table)),
                    let version = record.versions[index]
                {
                    rejection.current = (record.values[index], version)
                }
                answered.append(rejection)
            }
            return answered
        }
    }
}
