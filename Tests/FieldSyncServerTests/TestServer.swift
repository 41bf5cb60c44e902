import AsyncHTTPClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncServer
import FieldSyncService
import FieldSyncTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import FieldSyncPostgres

/// A real service on a free loopback port, over a store in a temporary
/// directory or a fresh PostgreSQL database, with a clock the test sets.
/// `withTestServer` starts it and stops it.
struct TestServer: Sendable {
    let store: any CentralStore
    /// Each staff member's token, issued at start.
    let tokens: [String: String]
    let clock: ManualWallClock
    let baseURL: String
    let metrics: ServiceMetrics
    /// Starts a graceful shutdown, as SIGTERM would (the server then finishes what is in flight).
    let shutdown: @Sendable () async -> Void

    static let quiet = Logger(label: "fieldsync-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One client for every test, never shut down (it lives as long as the test process).
    static let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init())

    /// An answer as the wire carried it.
    struct Answer: CustomStringConvertible {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var description: String { "\(status) \(String(decoding: body, as: UTF8.self))" }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try WireJSON.decode(type, from: body) }
        var error: ErrorResponse? { try? decode(ErrorResponse.self) }
    }

    /// Sends a request as `caller` (their bearer token; nil: none); the schema
    /// header is added unless `headers` says otherwise.
    func request(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)]? = nil,
        as caller: String? = Staff.admin.id
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers ?? [(SyncAPI.schemaVersionHeader, "1")] {
            request.headers.add(name: name, value: value)
        }
        if let caller { request.headers.add(name: "Authorization", value: "Bearer \(tokens[caller]!)") }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await Self.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }

    /// Pushes with the token of the manager the request names.
    func push(_ request: PushRequest) async throws -> Answer {
        try await self.request(.POST, SyncAPI.push, body: WireJSON.encode(request), as: request.manager ?? Staff.admin.id)
    }
}

/// Runs `body` against a fresh server on each store, SQLite then
/// PostgreSQL, then shuts it down gracefully: every server test holds for both.
/// The clock is set back to where it started before the second run.
func withTestServer<T>(
    clock: ManualWallClock = ManualWallClock(1_795_000_000_000),
    maxClockAheadMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis,
    replicaID: ReplicaID = ReplicaID(rawValue: 0x5e5e)!,
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let start = clock.millis
    _ = try await withTestServer(
        on: .sqlite, clock: clock, maxClockAheadMillis: maxClockAheadMillis, replicaID: replicaID, body)
    clock.millis = start
    do {
        return try await withTestServer(
            on: .postgres, clock: clock, maxClockAheadMillis: maxClockAheadMillis, replicaID: replicaID, body)
    } catch {
        throw OnPostgreSQL(error: error)
    }
}

/// A failure of the PostgreSQL run of a test that passed on SQLite.
struct OnPostgreSQL: Error, CustomStringConvertible {
    let error: any Error
    var description: String { "on PostgreSQL: \(error)" }
}

/// Runs `body` against a fresh server on one store.
func withTestServer<T>(
    on kind: TestStore,
    clock: ManualWallClock,
    maxClockAheadMillis: UInt64,
    replicaID: ReplicaID,
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let directory = TemporaryDirectory()
    let store: any CentralStore
    var database: ScratchDatabase?
    switch kind {
    case .sqlite:
        store = try SQLiteCentralStore(
            path: directory.file("central.db"), maxClockAheadMillis: maxClockAheadMillis, wallClock: clock.read,
            replicaID: replicaID, random: SeededGenerator(seed: 0x70c3), logger: TestServer.quiet)
    case .postgres:
        let scratch = try await ScratchDatabase.create()
        database = scratch
        store = try await PostgresCentralStore(
            target: scratch.target, maxClockAheadMillis: maxClockAheadMillis, wallClock: clock.read,
            replicaID: replicaID, random: SeededGenerator(seed: 0x70c3), logger: TestServer.quiet)
    }
    defer { withExtendedLifetime(directory) {} }
    do {
        let result = try await serve(store, clock: clock, body)
        await store.close()
        try await database?.drop()
        return result
    } catch {
        await store.close()
        try? await database?.drop()
        throw error
    }
}

private func serve<T>(_ store: any CentralStore, clock: ManualWallClock, _ body: (TestServer) async throws -> T)
    async throws -> T
{
    var tokens: [String: String] = [:]
    for manager in Staff.all {
        try await store.addManager(manager)
        tokens[manager.id] = try await store.issueToken(for: manager.id)
    }
    let metrics = ServiceMetrics()
    return try await running({ onRunning in
        SyncServer.application(
            store: store, configuration: ServerConfiguration(host: "127.0.0.1", port: 0), metrics: metrics,
            logger: TestServer.quiet, onRunning: onRunning)
    }) { port, shutdown in
        try await body(
            TestServer(
                store: store, tokens: tokens, clock: clock, baseURL: "http://127.0.0.1:\(port)", metrics: metrics,
                shutdown: shutdown))
    }
}

/// Runs the HTTP application `make` builds (handing it the callback for the
/// port it binds, on 127.0.0.1 port 0) while `body` runs with that port and
/// a function stopping it; stops it after.
func running<T>(
    _ make: (_ onRunning: @escaping @Sendable (Int) async -> Void) -> some Service,
    _ body: (_ port: Int, _ shutdown: @escaping @Sendable () async -> Void) async throws -> T
) async throws -> T {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let group = ServiceGroup(
        configuration: .init(
            services: [make { port in portContinuation.yield(port) }], gracefulShutdownSignals: [],
            logger: TestServer.quiet))
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    do {
        let result = try await body(port, { await group.triggerGracefulShutdown() })
        await group.triggerGracefulShutdown()
        try await running.value
        return result
    } catch {
        await group.triggerGracefulShutdown()
        try? await running.value
        throw error
    }
}
