import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica

/// Push, pull and sync between one replica and the service.
///
/// Nothing is written to the replica before the service has answered: a sync
/// attempted offline leaves the replica exactly as it was. Each pushed batch
/// is acknowledged and each pulled page merged in its own transaction, so an
/// interrupted sync keeps what completed and resumes from there next time.
public struct Synchronizer {
    public let replica: Replica
    public let transport: any SyncTransport
    /// Field changes per push request.
    public var pushBatchSize: Int
    /// Rows per pull page.
    public var pullPageLimit: Int
    /// This device's wall clock, Unix milliseconds (injected so tests are exact).
    let now: @Sendable () -> UInt64

    public static let defaultPushBatchSize = 2_000
    /// Three times the service's default: each page is one commit on the
    /// device, and in a first sync of a large book a commit rewrites index
    /// pages that the next one rewrites again (ids are random), so fewer,
    /// larger commits write far less: 50,000 customers came down in 18–19 s
    /// instead of 22–23 s. A page of 3,000 rows is under 1 MB on the wire, and
    /// the `fieldsync` process peaked at 98 MB instead of 82 MB.
    public static let defaultPullPageLimit = 3_000

    public init(
        replica: Replica, transport: any SyncTransport, pushBatchSize: Int = Synchronizer.defaultPushBatchSize,
        pullPageLimit: Int = Synchronizer.defaultPullPageLimit,
        now: @escaping @Sendable () -> UInt64 = SystemWallClock.millisecondsSinceEpoch
    ) {
        self.replica = replica
        self.transport = transport
        self.pushBatchSize = max(1, pushBatchSize)
        self.pullPageLimit = min(max(1, pullPageLimit), SyncAPI.maxPullLimit)
        self.now = now
    }

    // MARK: - Push

    /// Sends every pending change, in batches, and settles each batch with
    /// the service's answer: accepted changes leave the pending list, rejected
    /// ones wait in the rejected list. When the service refuses changes for
    /// `clock_skew` (this device's clock is ahead), they are re-stamped with
    /// the service's time and sent once more.
    public func push() async throws -> PushSummary {
        var summary = PushSummary()
        var sentFields = Set<FieldRef>()
        let first = try await pushPending(into: &summary, sentFields: &sentFields)
        if let serverTime = first.skewServerTime {
            summary.restamped = try replica.restampPending(
                first.skewed, serverTimeMillis: serverTime, superseding: first.held)
            summary.clockAheadMillis = replica.clockOffsetMillis
            summary.stillAhead = try await pushPending(into: &summary, sentFields: &sentFields).skewed.count
        }
        summary.sent = sentFields.count
        return summary
    }

    /// One pass over the pending changes. Returns those that came back with
    /// `clock_skew` (they stay pending), the service's time then, and the
    /// versions the service holds for those fields (the rejections' `current`).
    private func pushPending(into summary: inout PushSummary, sentFields: inout Set<FieldRef>) async throws -> (
        skewed: Set<FieldRef>, skewServerTime: UInt64?, held: [Version]
    ) {
        let pending = try replica.pendingChanges()
        var skewed = Set<FieldRef>()
        var skewServerTime: UInt64?
        var held: [Version] = []
        var batchSize = pushBatchSize
        var start = 0
        while start < pending.count {
            // A record's changes travel together: a new customer's owner decides whether the rest may be taken.
            var end = min(start + batchSize, pending.count)
            while end < pending.count, end > start, pending[end].table == pending[end - 1].table,
                pending[end].rowID == pending[end - 1].rowID
            {
                end += 1
            }
            var batch = Array(pending[start..<end])
            let batchStart = start
            start = end
            var request = try request(batch)
            let response: PushResponse
            do {
                response = try await transport.push(request)
            } catch let error as SyncError
                where error.code == .tooLarge
                && batch.contains(where: { $0.table != batch[0].table || $0.rowID != batch[0].rowID })
            {
                // Long texts (notes, summaries) made the batch larger than the
                // service takes: send the rest of this sync in batches half
                // the size, down to one record's changes.
                batchSize = max(1, batchSize / 2)
                start = batchStart
                continue
            } catch let error as SyncError where !error.rejected.isEmpty {
                // The service refused the whole batch for changes that break
                // its schema: set those aside (exactly the versions sent, as
                // the service wrote nothing), with their reasons, and send the
                // rest, which stay pending until the service takes them.
                let listed = Dictionary(error.rejected.map { ($0.field, $0.version) }) { first, _ in first }
                let refused = batch.filter { listed[$0.field] == $0.version }
                guard !refused.isEmpty else {
                    throw SyncError(
                        .serverError,
                        "the service refused changes this device did not send (\(error.code.rawValue): \(error.message)); nothing was set aside: report it to whoever runs the service"
                    )
                }
                try replica.acknowledgePush(sent: refused, rejected: error.rejected, atMillis: now())
                summary.rejected += refused.count
                sentFields.formUnion(batch.lazy.map(\.field))
                batch.removeAll { listed[$0.field] == $0.version }
                guard !batch.isEmpty else { continue }
                request = try self.request(batch)
                response = try await transport.push(request)
            }
            summary.removedRecords += try replica.acknowledgePush(
                sent: batch, rejected: response.rejected, atMillis: now(),
                resumingPull: response.cursor.map { (from: request.cursor ?? .start, to: $0) },
                removing: response.removedRecords)
            let batchSkewed = response.rejected.filter { $0.code == .clockSkew }
            sentFields.formUnion(batch.lazy.map(\.field))
            summary.accepted += response.accepted
            summary.rejected += response.rejected.count - batchSkewed.count
            summary.conflictsRecorded += response.conflicts
            if !batchSkewed.isEmpty {
                skewed.formUnion(batchSkewed.map(\.field))
                skewServerTime = response.serverTimeMillis
                held += batchSkewed.compactMap(\.current?.version)
            }
        }
        return (skewed, skewServerTime, held)
    }

    private func request(_ batch: [FieldChange]) throws -> PushRequest {
        PushRequest(
            changeSet: ChangeSet(schemaVersion: replica.schema.version, changes: batch),
            replica: replica.replicaID, manager: try replica.syncsAs(), cursor: try replica.pullCursor())
    }

    // MARK: - Pull

    /// Receives every change after the replica's cursor, page by page; each
    /// page is merged together with its cursor, so a pull cut short resumes
    /// after the last page saved. The next page is asked for before this one
    /// is merged, so the service prepares it while the device writes.
    /// `progress` is called after each page.
    public func pull(progress: (PullProgress) -> Void = { _ in }) async throws -> PullSummary {
        var summary = PullSummary()
        var cursor = try replica.pullCursor()
        var page: PullResponse
        do {
            page = try await transport.pull(after: cursor, limit: pullPageLimit)
        } catch let error as SyncError where error.code == .unknownCursor && cursor != .start {
            // The service was replaced, reset or restored from a backup: what it acknowledged from this
            // device may be gone, so this device's own edits go again, then everything comes again
            // (merging is idempotent).
            summary.resentOwnEdits = try replica.queueOwnEditsAgain()
            if summary.resentOwnEdits > 0 { summary.resend = try await push() }
            cursor = .start
            page = try await transport.pull(after: cursor, limit: pullPageLimit)
        }
        while true {
            if summary.pages == 0 {
                try replica.adjustClock(serverTimeMillis: page.serverTimeMillis)
                summary.clockAheadMillis = replica.clockOffsetMillis
            }
            // A service that says "more" without moving on would keep us here forever.
            guard !page.more || page.cursor != cursor else {
                throw SyncError(
                    .serverError,
                    "the service answered a pull with more rows but the same cursor \(cursor); try again later")
            }
            let next = page.more ? prefetch(after: page.cursor) : nil
            defer { next?.cancel() }
            if try replica.hasPendingChanges(forCustomers: page.removed, records: page.removedRecords) {
                // Reassigned or moved away: the unsent edits go first, to be accepted (made before the
                // reassignment or move) or kept as rejected.
                summary.pushedFirst.add(try await push())
            }
            let outcome = try replica.applyPulled(
                page.changeSet, cursor: page.cursor, removing: page.removed, removingRecords: page.removedRecords,
                syncedAs: page.manager)
            summary.removedCustomers += outcome.removedCustomers
            summary.removedRecords += outcome.removedRecords
            summary.pages += 1
            summary.rows += page.changeSet.rowRuns.count
            summary.fields += page.changeSet.count
            summary.changedFields += outcome.changed
            progress(PullProgress(rows: summary.rows, pages: summary.pages))
            guard let next else { break }
            cursor = page.cursor
            page = try await next.value
        }
        return summary
    }

    private func prefetch(after cursor: PullCursor) -> Task<PullResponse, any Error> {
        let transport = transport
        let limit = pullPageLimit
        return Task { try await transport.pull(after: cursor, limit: limit) }
    }

    // MARK: - Sync

    /// Push, then pull, then count the open conflicts that concern the
    /// manager this replica syncs as (all open ones while it knows none), and
    /// note the sync. Push and pull are saved by then, so a count that fails
    /// (the network dropped) fails only the count, not the sync.
    public func sync(progress: (PullProgress) -> Void = { _ in }) async throws -> SyncSummary {
        let pushed = try await push()
        let pulled = try await pull(progress: progress)
        let (open, countFailure) = try await countOpenConflicts()
        let completed = now()
        try replica.recordSync(atMillis: completed, openConflicts: open)
        return SyncSummary(
            push: pushed, pull: pulled, openConflicts: open, countFailure: countFailure, completedAtMillis: completed)
    }

    /// The open conflicts that concern this device's manager, or why they could not be counted.
    private func countOpenConflicts() async throws -> (count: Int?, failure: String?) {
        let manager = try replica.syncsAs()
        do {
            return (
                try await transport.conflicts(status: .open)
                    .count { $0.involves(replica: replica.replicaID, manager: manager) }, nil
            )
        } catch let error as SyncError {
            return (nil, "\(error.message) [\(error.code.rawValue)]")
        }
    }

    // MARK: - Conflicts

    /// Settles a conflict at the service as the manager the token speaks for
    /// (the service records who), then pulls so the settled value reaches this device.
    public func settle(conflict id: Int64, _ resolution: ConflictResolution) async throws -> (
        settled: Conflict, pulled: PullSummary
    ) {
        let settled = try await transport.settle(id: id, SettleRequest(resolution: resolution))
        // One fewer open for `status` until the next sync counts them; a failure here fails nothing.
        if settled.involves(replica: replica.replicaID, manager: try? replica.syncsAs()) {
            try? replica.noteConflictSettled()
        }
        do {
            return (settled, try await pull())
        } catch let error as any FieldSyncError {
            throw SyncError(
                error.code,
                "conflict \(id) was settled, but pulling its value failed: \(error.message); run `fieldsync pull` later"
            )
        }
    }
}
