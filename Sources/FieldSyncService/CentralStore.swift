import FieldSyncCore
import FieldSyncProtocol

/// The service's central copy: what the HTTP layer calls, whatever holds the
/// data (embedded SQLite now; PostgreSQL later). Every method is one
/// transaction; implementations are safe to call concurrently.
public protocol CentralStore: Sendable {
    var schema: Schema { get }

    /// The service's wall clock, Unix milliseconds.
    func now() -> UInt64

    /// Merges a replica's pushed changes. Each change is accepted or rejected
    /// on its own; accepted ones are merged field by field and conflicts are
    /// recorded. Re-sending a push changes nothing. Throws only when the whole
    /// request is unusable (`schema_version`).
    func push(_ changeSet: ChangeSet, from caller: SyncCaller, cursor: PullCursor?) async throws -> PushResponse

    /// The rows changed after `cursor`, at most `limit`, in change order.
    func pull(after cursor: PullCursor, limit: Int) async throws -> PullResponse

    /// The digest of the central copy (protocol/digest.md).
    func digest() async throws -> (digest: String, rows: Int)

    /// Conflicts, newest first; `nil` status: all.
    func conflicts(status: Conflict.Status?) async throws -> [Conflict]

    /// One conflict, or `unknown_conflict`.
    func conflict(id: Int64) async throws -> Conflict

    /// Settles an open conflict by writing the kept or new value as a fresh change.
    func settle(conflict id: Int64, _ resolution: ConflictResolution, by manager: String) async throws -> Conflict
}

/// Who is calling: the replica pushing, and its manager.
public struct SyncCaller: Sendable, Hashable {
    public var replica: ReplicaID
    public var manager: String?

    public init(replica: ReplicaID, manager: String?) {
        self.replica = replica
        self.manager = manager
    }
}
