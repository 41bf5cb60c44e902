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

    public init(
        replica: Replica, transport: any SyncTransport, pushBatchSize: Int = Synchronizer.defaultPushBatchSize,
        pullPageLimit: Int = SyncAPI.defaultPullLimit,
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
        var skewServerTime: UInt64?
        do {
            skewServerTime = try await pushPending(into: &summary, sentFields: &sentFields).skewServerTime
        } catch let error as SyncError where error.code == .clockSkew && error.serverTimeMillis != nil {
            // The service may refuse a whole request for skew (with its time) instead of change by change.
            skewServerTime = error.serverTimeMillis
        }
        if let serverTime = skewServerTime {
            summary.clockAheadMillis = try replica.adjustClock(serverTimeMillis: serverTime)
            summary.restamped = try replica.restampPending(serverTimeMillis: serverTime)
            summary.stillAhead = try await pushPending(into: &summary, sentFields: &sentFields).skewed
        }
        summary.sent = sentFields.count
        return summary
    }

    /// One pass over the pending changes. Returns how many came back with
    /// `clock_skew` (they stay pending) and the service's time then.
    private func pushPending(into summary: inout PushSummary, sentFields: inout Set<FieldRef>) async throws -> (
        skewed: Int, skewServerTime: UInt64?
    ) {
        let pending = try replica.pendingChanges()
        var skewed = 0
        var skewServerTime: UInt64?
        var start = 0
        while start < pending.count {
            let batch = Array(pending[start..<min(start + pushBatchSize, pending.count)])
            let request = PushRequest(
                changeSet: ChangeSet(schemaVersion: replica.schema.version, changes: batch),
                replica: replica.replicaID, manager: replica.managerID, cursor: try replica.pullCursor())
            let response = try await transport.push(request)
            try replica.acknowledgePush(sent: batch, rejected: response.rejected, atMillis: now())
            let batchSkewed = response.rejected.count { $0.code == .clockSkew }
            sentFields.formUnion(batch.lazy.map(\.field))
            summary.accepted += response.accepted
            summary.rejected += response.rejected.count - batchSkewed
            summary.conflictsRecorded += response.conflicts
            if batchSkewed > 0 {
                skewed += batchSkewed
                skewServerTime = response.serverTimeMillis
            }
            start += batch.count
        }
        return (skewed, skewServerTime)
    }

    // MARK: - Pull

    /// Receives every change after the replica's cursor, page by page; each
    /// page is merged together with its cursor, so a pull cut short resumes
    /// after the last page saved. `progress` is called after each page.
    public func pull(progress: (PullProgress) -> Void = { _ in }) async throws -> PullSummary {
        var summary = PullSummary()
        var cursor = try replica.pullCursor()
        while true {
            let page = try await transport.pull(after: cursor, limit: pullPageLimit)
            if summary.pages == 0 {
                try replica.adjustClock(serverTimeMillis: page.serverTimeMillis)
                summary.clockAheadMillis = try replica.syncState().clockOffsetMillis
            }
            let outcome = try replica.applyPulled(page.changeSet, cursor: page.cursor)
            summary.pages += 1
            summary.rows += page.changeSet.rowRuns.count
            summary.fields += page.changeSet.count
            summary.changedFields += outcome.changed
            progress(PullProgress(rows: summary.rows, pages: summary.pages))
            guard page.more else { break }
            // A service that says "more" without moving on would keep us here forever.
            guard page.cursor != cursor else {
                throw SyncError(
                    .serverError, "the service answered a pull with more rows but the same cursor \(cursor); try again later")
            }
            cursor = page.cursor
        }
        return summary
    }

    // MARK: - Sync

    /// Push, then pull, then count the open conflicts that concern this
    /// replica's manager (all open ones when it has none), and note the sync.
    public func sync(progress: (PullProgress) -> Void = { _ in }) async throws -> SyncSummary {
        let pushed = try await push()
        let pulled = try await pull(progress: progress)
        let open = try await transport.conflicts(status: .open)
            .count { $0.involves(replica: replica.replicaID, manager: replica.managerID) }
        let completed = now()
        try replica.recordSync(atMillis: completed, openConflicts: open)
        return SyncSummary(push: pushed, pull: pulled, openConflicts: open, completedAtMillis: completed)
    }

    // MARK: - Conflicts

    /// Settles a conflict at the service on behalf of this replica's manager
    /// (who settled is recorded, so a replica without a manager cannot), then
    /// pulls so the settled value reaches this device.
    public func settle(conflict id: Int64, _ resolution: ConflictResolution) async throws -> (
        settled: Conflict, pulled: PullSummary
    ) {
        guard let manager = replica.managerID else { throw SyncError.noManagerToSettle }
        let settled = try await transport.settle(id: id, SettleRequest(resolution: resolution, manager: manager))
        do {
            return (settled, try await pull())
        } catch let error as any FieldSyncError {
            throw SyncError(
                error.code,
                "conflict \(id) was settled, but pulling its value failed: \(error.message); run `fieldsync pull` later")
        }
    }
}
