import FieldSyncCore
import FieldSyncProtocol

/// The service's central copy: what the HTTP layer and the server's command
/// line call, whatever holds the data (embedded SQLite, or PostgreSQL
/// for several service instances). Every method is one transaction; implementations are safe to call
/// concurrently, also from several processes on one store.
///
/// Everything a manager calls is scoped to them (`Scope`): their customers, a
/// supervisor's branch, everything for an admin. Nothing outside the scope is
/// returned, counted or digested.
public protocol CentralStore: Sendable {
    var schema: Schema { get }

    /// The service's wall clock, Unix milliseconds.
    func now() -> UInt64

    // MARK: Sync

    /// Merges a replica's pushed changes. Each change is accepted or rejected
    /// on its own (`forbidden` when outside the caller's scope); accepted ones
    /// are merged field by field and conflicts are recorded. Re-sending a push
    /// changes nothing. Throws only when the whole request is unusable.
    func push(_ changeSet: ChangeSet, from caller: SyncCaller, cursor: PullCursor?) async throws -> PushResponse

    /// The rows in the caller's scope changed after `cursor`, at most `limit`,
    /// in change order, and the customers that left the caller's scope.
    func pull(after cursor: PullCursor, limit: Int, for caller: Manager) async throws -> PullResponse

    /// The digest of the central copy within the caller's scope (protocol/digest.md).
    func digest(for caller: Manager) async throws -> (digest: String, rows: Int)

    /// Conflicts about records in the caller's scope, newest first; `nil` status: all.
    func conflicts(status: Conflict.Status?, for caller: Manager) async throws -> [Conflict]

    /// One conflict in the caller's scope, or `unknown_conflict`.
    func conflict(id: Int64, for caller: Manager) async throws -> Conflict

    /// Settles an open conflict by writing the kept or new value as a fresh change.
    func settle(conflict id: Int64, _ resolution: ConflictResolution, by caller: Manager) async throws -> Conflict

    /// Gives a customer to another manager (supervisors within their branch, admins anywhere).
    func reassign(customer id: String, to owner: String, by caller: Manager) async throws -> Reassignment

    /// The branch report, for supervisors (their branch) and admins.
    func report(branch: String?, since: ISODate.Day, for caller: Manager) async throws -> BranchReport

    // MARK: Administration

    /// The manager a bearer token speaks for, or `unauthorized`.
    func authenticate(token: String) async throws -> Manager
    func addManager(_ manager: Manager) async throws
    func managers() async throws -> [ManagerRecord]
    /// A new token for the manager; only its hash is kept, so this is the one time it is seen.
    func issueToken(for manager: String) async throws -> String
    /// Revokes one token (given whole) or every token of a manager (given their id); returns how many.
    func revokeTokens(_ managerOrToken: String) async throws -> Int
    func tokens(of manager: String?) async throws -> [TokenRecord]
    /// The audit trail of a record or one of its fields.
    func history(table: String, id: String, column: String?) async throws -> RecordHistory

    /// Returns once the store has run a trivial statement, throws when it
    /// cannot (for `/ready`, which a load balancer polls).
    func checkReady() async throws

    /// Releases the store's connections; the store is not used after.
    func close() async
}

/// Who is calling: the replica pushing, and the manager its token speaks for.
public struct SyncCaller: Sendable, Hashable {
    public var replica: ReplicaID
    public var manager: Manager

    public init(replica: ReplicaID, manager: Manager) {
        self.replica = replica
        self.manager = manager
    }
}
