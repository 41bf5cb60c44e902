import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import Foundation
import Hummingbird
import Logging

/// The `/v1` endpoints: each decodes its request, calls the store once as
/// the token's manager, and encodes the answer.
struct SyncRoutes: Sendable {
    typealias Context = SyncRequestContext

    let store: any CentralStore
    let metrics: ServiceMetrics

    func add(to group: RouterGroup<Context>) {
        group.post("push", use: push)
        group.get("pull", use: pull)
        group.get("digest", use: digest)
        group.get("conflicts", use: conflicts)
        group.get("conflicts/{id}", use: conflict)
        group.post("conflicts/{id}/settle", use: settle)
        group.post("customers/{id}/reassign", use: reassign)
        group.get("report", use: report)
    }

    /// A device set up for one manager but holding another's token would send
    /// edits as, and take in the customers of, the token's manager: refused
    /// when the request names the replica's manager (`manager`) and it differs.
    static func check(named manager: String?, caller: Manager) throws {
        guard let manager, manager != caller.id else { return }
        throw APIError(
            .forbidden,
            "this device is set up for manager \(manager), but the token is \(caller.id)'s: set this device's own token (fieldsync config set token)"
        )
    }

    @Sendable func push(_ request: Request, context: Context) async throws -> Response {
        let push = try await decode(PushRequest.self, from: request)
        let caller = try context.caller()
        try Self.check(named: push.manager, caller: caller)
        let outcome = try await store.push(
            push.changeSet, from: SyncCaller(replica: push.replica, manager: caller), cursor: push.cursor)
        metrics.pushed(accepted: outcome.accepted, rejected: outcome.rejected, conflicts: outcome.conflicts)
        if outcome.conflicts > 0 {
            context.logger.info(
                "conflicts recorded", metadata: ["count": "\(outcome.conflicts)", "replica": "\(push.replica)"])
        }
        return try WireResponse.json(outcome, for: request)
    }

    @Sendable func pull(_ request: Request, context: Context) async throws -> Response {
        var cursor = PullCursor.start
        if let text = request.uri.queryParameters["after"] {
            guard let parsed = PullCursor(String(text)) else {
                throw APIError(.badArgument, "after is not a cursor this service issued; start again with after=0")
            }
            cursor = parsed
        }
        var limit = SyncAPI.defaultPullLimit
        if let text = request.uri.queryParameters["limit"] {
            // Digits too many for an Int are a limit above the largest, taken as the largest.
            let digits = text.utf8.dropFirst(text.first == "+" ? 1 : 0)
            let digitsOnly = !digits.isEmpty && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard let parsed = Int(String(text)) ?? (digitsOnly ? .max : nil), parsed >= 1 else {
                throw APIError(.badArgument, "limit must be a whole number of rows, at least 1")
            }
            limit = min(parsed, SyncAPI.maxPullLimit)
        }
        let caller = try context.caller()
        try Self.check(named: request.uri.queryParameters["manager"].map(String.init), caller: caller)
        var page = try await store.pull(after: cursor, limit: limit, for: caller)
        page.manager = caller.id
        metrics.pulled(rows: page.changeSet.rowRuns.count)
        return try WireResponse.json(page, for: request)
    }

    @Sendable func digest(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.caller()
        try Self.check(named: request.uri.queryParameters["manager"].map(String.init), caller: caller)
        let (digest, rows) = try await store.digest(for: caller)
        return try WireResponse.json(
            DigestResponse(digest: digest, rows: rows, serverTimeMillis: store.now()), for: request)
    }

    @Sendable func conflicts(_ request: Request, context: Context) async throws -> Response {
        let status: Conflict.Status?
        switch request.uri.queryParameters["status"].map(String.init) {
        case nil, "open": status = .open
        case "settled": status = .settled
        case "all": status = nil
        case let other?:
            throw APIError(.badArgument, "status must be open, settled or all, not \(other)")
        }
        return try WireResponse.json(
            ConflictListResponse(try await store.conflicts(status: status, for: context.caller())), for: request)
    }

    @Sendable func conflict(_ request: Request, context: Context) async throws -> Response {
        try WireResponse.json(
            ConflictDocument(try await store.conflict(id: conflictID(context), for: context.caller())), for: request)
    }

    @Sendable func settle(_ request: Request, context: Context) async throws -> Response {
        let id = try conflictID(context)
        let settle = try await decode(SettleRequest.self, from: request)
        let conflict = try await store.settle(conflict: id, settle.resolution, by: context.caller())
        return try WireResponse.json(ConflictDocument(conflict), for: request)
    }

    @Sendable func reassign(_ request: Request, context: Context) async throws -> Response {
        guard let id = context.parameters.get("id"), let customer = try? RowID.normalized(id) else {
            throw APIError(.badArgument, "a customer id is a UUID")
        }
        let reassign = try await decode(ReassignRequest.self, from: request)
        let done = try await store.reassign(customer: customer, to: reassign.to, by: context.caller())
        return try WireResponse.json(done, for: request)
    }

    @Sendable func report(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.caller()
        let branch = request.uri.queryParameters["branch"].map(String.init)
        // Who may read it comes first: a manager learns that, not what is wrong with `since`.
        _ = try BranchReportAccess.branch(branch, for: caller)
        let since = try BranchReport.since(
            request.uri.queryParameters["since"].map(String.init), nowMillis: store.now())
        return try WireResponse.json(try await store.report(branch: branch, since: since, for: caller), for: request)
    }

    private func conflictID(_ context: Context) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }), id > 0 else {
            throw APIError(.badArgument, "a conflict id is a positive whole number")
        }
        return id
    }

    /// Decodes a JSON body (already collected and un-gzipped by RequestBodyMiddleware).
    private func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: .max)
        guard buffer.readableBytes > 0 else {
            throw APIError(.malformed, "the request has no body; send a JSON document")
        }
        return try WireJSON.decode(type, from: Data(buffer: buffer))
    }
}
