import AsyncHTTPClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// Protocol v1 over HTTP: JSON bodies (WireJSON), gzip answers, the schema
/// version header on every `/v1` request, the bearer token when one is set.
///
/// Owns one `HTTPClient`: call `shutdown()` when done (or use `with`).
public final class HTTPSyncTransport: SyncTransport {
    public let serverURL: String
    let token: String?
    let manager: String?
    let schemaVersion: Int
    let client: HTTPClient

    /// Connect within 5 s; an answer that stalls for 60 s is given up on.
    /// A refused connection fails at once instead of being retried: the
    /// person waiting at the command line is told they are offline.
    public static var defaultConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(5), read: .seconds(60)),
            // JSON of records compresses 5–20 times; far beyond that is a decompression bomb.
            decompression: .enabled(limit: .ratio(200)))
        configuration.connectionPool.retryConnectionEstablishment = false
        // AsyncHTTPClient's default, pinned: the service's idle timeout (75 s, at least 61) is set above it.
        configuration.connectionPool.idleTimeout = .seconds(60)
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// The longest a whole request may take, body included (a pull page of
    /// 10,000 rows on a slow mobile link).
    static let requestDeadline = TimeAmount.minutes(5)
    /// The largest answer read, after decompression: far above a full pull page.
    static let maxResponseBytes = 256 * 1024 * 1024

    /// `manager`: the manager the replica is set up for; pulls and digests name
    /// it, so the service refuses them when the token is someone else's.
    public init(
        serverURL: String, token: String?, manager: String? = nil, schemaVersion: Int,
        configuration: HTTPClient.Configuration = HTTPSyncTransport.defaultConfiguration
    ) {
        self.serverURL = serverURL
        self.token = token
        self.manager = manager
        self.schemaVersion = schemaVersion
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The transport to the service the replica is configured with, or `no_server`.
    public convenience init(for replica: Replica) throws {
        guard let url = try replica.serverURL else { throw SyncError.noServer }
        self.init(
            serverURL: url, token: try replica.token, manager: try replica.syncsAs(),
            schemaVersion: replica.schema.version)
    }

    /// Runs `body` with a transport for the replica's service, shutting it down afterwards.
    public static func with<Result>(
        for replica: Replica, isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPSyncTransport) async throws -> Result
    ) async throws -> Result {
        let transport = try HTTPSyncTransport(for: replica)
        let result: Result
        do {
            result = try await body(transport)
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
        return result
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    // MARK: - SyncTransport

    public func push(_ request: PushRequest) async throws -> PushResponse {
        try await send(.POST, SyncAPI.push, body: try WireJSON.encode(request), as: PushResponse.self)
    }

    public func pull(after cursor: PullCursor, limit: Int) async throws -> PullResponse {
        try await send(
            .GET, SyncAPI.pull,
            query: [("after", cursor.description), ("limit", String(limit))] + naming, as: PullResponse.self)
    }

    public func digest() async throws -> DigestResponse {
        try await send(.GET, SyncAPI.digest, query: naming, as: DigestResponse.self)
    }

    /// The query parameter naming the replica's manager, if it has one.
    private var naming: [(String, String)] { manager.map { [("manager", $0)] } ?? [] }

    public func conflicts(status: Conflict.Status?) async throws -> [Conflict] {
        try await send(
            .GET, SyncAPI.conflicts, query: [("status", status?.rawValue ?? "all")], as: ConflictListResponse.self
        ).conflicts.map(\.conflict)
    }

    public func conflict(id: Int64) async throws -> Conflict {
        try await send(.GET, SyncAPI.conflict(id), as: ConflictDocument.self).conflict
    }

    public func settle(id: Int64, _ request: SettleRequest) async throws -> Conflict {
        try await send(.POST, SyncAPI.settle(id), body: try WireJSON.encode(request), as: ConflictDocument.self)
            .conflict
    }

    public func reassign(customer: String, _ request: ReassignRequest) async throws -> Reassignment {
        try await send(.POST, SyncAPI.reassign(customer), body: try WireJSON.encode(request), as: Reassignment.self)
    }

    public func report(branch: String?, since: String?) async throws -> BranchReport {
        let query = [("branch", branch), ("since", since)].compactMap { name, value in value.map { (name, $0) } }
        return try await send(.GET, SyncAPI.report, query: query, as: BranchReport.self)
    }

    // MARK: - Requests

    func url(_ path: String, query: [(String, String)]) -> String {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves '+' alone; a server reading it as a space would garble a value.
        let encodedQuery = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return serverURL + path + (query.isEmpty ? "" : "?" + encodedQuery)
    }

    func send<Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil, as answer: Answer.Type
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        request.headers.add(name: SyncAPI.schemaVersionHeader, value: String(schemaVersion))
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }

        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: Self.requestDeadline)
            status = response.status
            bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch {
            throw failure(error)
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status.code) else { throw refusal(status, data) }
        do {
            return try WireJSON.decode(Answer.self, from: data)
        } catch let error as any FieldSyncError {
            throw SyncError(
                .serverError,
                "the service at \(serverURL) answered \(method) \(path) with something that is not FieldSync protocol v1 (\(error.message)); is the URL right, and is the service up to date?"
            )
        }
    }

    /// A non-2xx answer: the service's own error when it sent one, else `server_error`.
    func refusal(_ status: HTTPResponseStatus, _ body: Data) -> SyncError {
        let error = try? WireJSON.decode(ErrorResponse.self, from: body)
        if status.code >= 500 {
            let detail = error.map { ": \($0.message) [\($0.code)]" } ?? ""
            if let rejected = error?.rejected, !rejected.isEmpty {
                // Changes the service failed to check (a bug there): set aside as
                // rejected, so the rest are not held back until it is fixed.
                return SyncError(
                    .serverError,
                    "the service at \(serverURL) failed on \(rejected.count) change(s) it could not check (HTTP \(status.code)\(detail)); report this with the time of the sync",
                    rejected: rejected)
            }
            return SyncError(
                .serverError,
                "the service at \(serverURL) failed (HTTP \(status.code)\(detail)); your changes are safe on this device, try again later"
            )
        }
        guard let error else {
            return SyncError(
                .serverError,
                "the service at \(serverURL) answered HTTP \(status.code) without a FieldSync error; is the URL right?")
        }
        return SyncError(
            error.code, error.message, serverTimeMillis: error.serverTimeMillis, rejected: error.rejected ?? [])
    }

    /// No answer at all: the device is offline, the service down, or the URL wrong.
    func failure(_ error: any Error) -> SyncError {
        if let error = error as? HTTPClientError, TransportFailure.isBadURL(error) {
            return SyncError(
                .badArgument,
                "the server URL \(serverURL) is not a usable http(s) URL; fix it with `fieldsync config set server URL`"
            )
        }
        if error is NIOTooManyBytesError || error is NIOHTTPDecompression.DecompressionError {
            return SyncError(.serverError, "the service at \(serverURL) answered more than this client reads at once")
        }
        if let reason = TransportFailure.secureConnectionFailure(error) {
            return SyncError.insecure(serverURL, reason: reason)
        }
        return SyncError.unreachable(serverURL, reason: TransportFailure.reason(error))
    }
}
