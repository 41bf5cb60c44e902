import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol

/// A transport that times each push and pull request it forwards.
struct TimedTransport: SyncTransport {
    let base: any SyncTransport
    let pushes: LatencyRecorder
    let pulls: LatencyRecorder

    func push(_ request: PushRequest) async throws -> PushResponse {
        try await pushes.time { try await base.push(request) }
    }

    func pull(after cursor: PullCursor, limit: Int) async throws -> PullResponse {
        try await pulls.time { try await base.pull(after: cursor, limit: limit) }
    }

    func digest() async throws -> DigestResponse { try await base.digest() }
    func conflicts(status: Conflict.Status?) async throws -> [Conflict] { try await base.conflicts(status: status) }
    func conflict(id: Int64) async throws -> Conflict { try await base.conflict(id: id) }
    func settle(id: Int64, _ request: SettleRequest) async throws -> Conflict { try await base.settle(id: id, request) }
    func reassign(customer: String, _ request: ReassignRequest) async throws -> Reassignment {
        try await base.reassign(customer: customer, request)
    }
    func report(branch: String?, since: String?) async throws -> BranchReport {
        try await base.report(branch: branch, since: since)
    }
}
