import FieldSyncCore
import FieldSyncProtocol

/// The calls of protocol v1 a client makes. `HTTPSyncTransport` speaks them
/// over HTTP; tests put in their place a transport that fails on cue.
///
/// Every method throws a `FieldSyncError`: the service's refusal with its
/// code, or `SyncError` with `unreachable` or `server_error`.
public protocol SyncTransport: Sendable {
    /// `POST /v1/push`.
    func push(_ request: PushRequest) async throws -> PushResponse
    /// `GET /v1/pull?after=CURSOR&limit=N`.
    func pull(after cursor: PullCursor, limit: Int) async throws -> PullResponse
    /// `GET /v1/digest`.
    func digest() async throws -> DigestResponse
    /// `GET /v1/conflicts?status=…`; `nil`: open and settled.
    func conflicts(status: Conflict.Status?) async throws -> [Conflict]
    /// `GET /v1/conflicts/{id}`.
    func conflict(id: Int64) async throws -> Conflict
    /// `POST /v1/conflicts/{id}/settle`; returns the settled conflict.
    func settle(id: Int64, _ request: SettleRequest) async throws -> Conflict
    /// `POST /v1/customers/{id}/reassign` (supervisors and admins).
    func reassign(customer: String, _ request: ReassignRequest) async throws -> Reassignment
    /// `GET /v1/report?branch=B&since=DAY` (supervisors and admins).
    func report(branch: String?, since: String?) async throws -> BranchReport
}
