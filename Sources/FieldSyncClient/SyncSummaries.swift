/// What a push did.
public struct PushSummary: Sendable, Equatable {
    /// Fields whose change was sent (one re-sent after re-stamping counts once).
    public var sent = 0
    public var accepted = 0
    /// Changes the service refused: they wait in `fieldsync rejected list`.
    public var rejected = 0
    /// Changes re-stamped with the service's time because this device's clock ran ahead.
    public var restamped = 0
    /// How far ahead of the service this device's clock was found; 0 when within the bound.
    public var clockAheadMillis: UInt64 = 0
    /// Conflicts the service recorded for this push.
    public var conflictsRecorded = 0
    /// Changes still refused for clock skew after re-stamping once: they stay unsent.
    public var stillAhead = 0
    /// Visits, tasks and holdings removed from this device: the service files
    /// them under another manager's customer.
    public var removedRecords = 0

    public init() {}

    /// Counts `other`'s push as part of this one.
    mutating func add(_ other: PushSummary) {
        sent += other.sent
        accepted += other.accepted
        rejected += other.rejected
        restamped += other.restamped
        clockAheadMillis = max(clockAheadMillis, other.clockAheadMillis)
        conflictsRecorded += other.conflictsRecorded
        stillAhead += other.stillAhead
        removedRecords += other.removedRecords
    }
}

/// What a pull received.
public struct PullSummary: Sendable, Equatable {
    /// Rows received (a row in several pages counts once per page).
    public var rows = 0
    public var fields = 0
    /// Fields whose value or version changed here.
    public var changedFields = 0
    public var pages = 0
    /// Customers removed from this device: reassigned to another manager.
    public var removedCustomers = 0
    /// Visits, tasks and holdings removed from this device: moved to another manager's customer.
    public var removedRecords = 0
    /// How far ahead of the service this device's clock is; 0 when within the bound.
    public var clockAheadMillis: UInt64 = 0
    /// The push a pull makes first when records it removes hold unsent edits
    /// (it sends every unsent change).
    public var pushedFirst = PushSummary()
    /// Fields this device wrote, queued again because the service no longer
    /// knew the pull cursor (it lost changes: restored from a backup, or reset).
    public var resentOwnEdits = 0
    /// The push that sent them (with any other unsent change).
    public var resend = PushSummary()

    public init() {}
}

/// Progress of a pull, after each page is saved.
public struct PullProgress: Sendable, Equatable {
    public var rows: Int
    public var pages: Int

    public init(rows: Int, pages: Int) {
        self.rows = rows
        self.pages = pages
    }
}

/// What a sync (push, then pull) did.
public struct SyncSummary: Sendable, Equatable {
    public var push: PushSummary
    public var pull: PullSummary
    /// Open conflicts involving this replica's manager (all open ones when
    /// it has none); nil when counting them failed (`countFailure` says why).
    public var openConflicts: Int?
    /// Why the open conflicts could not be counted, after push and pull were saved.
    public var countFailure: String?
    /// When the sync completed, Unix milliseconds.
    public var completedAtMillis: UInt64

    public init(
        push: PushSummary, pull: PullSummary, openConflicts: Int?, countFailure: String? = nil,
        completedAtMillis: UInt64
    ) {
        self.push = push
        self.pull = pull
        self.openConflicts = openConflicts
        self.countFailure = countFailure
        self.completedAtMillis = completedAtMillis
    }
}
