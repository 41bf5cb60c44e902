import FieldSyncCore
import FieldSyncPostgres
import FieldSyncServer
import FieldSyncService
import FieldSyncTestSupport
import Synchronization
import Testing

/// When PostgreSQL cannot be reached, the service says so soon and says
/// why: at start (a wrong URL, a login refused), and while it runs (a
/// request fails after `connectionWait`, not after the pool's minute, and
/// `/ready` answers 503 so a balancer stops routing to the instance).
@Suite("Database outages")
struct DatabaseOutageTests {
    let clock = ManualWallClock(1_795_000_000_000)

    @Test("a PostgreSQL store that cannot connect says why: no such database, nothing listening")
    func startRefused() async throws {
        try await ScratchDatabase.using { database in
            let missing = database.target.database(database.name + "_missing")
            let noDatabase = await #expect(throws: ServiceError.self) {
                try await PostgresCentralStore(target: missing, wallClock: clock.read, logger: TestServer.quiet)
            }
            #expect(noDatabase?.code == .storage)
            #expect(
                noDatabase?.message.contains(
                    #"database "\#(database.name)_missing" does not exist (SQLSTATE 3D000); create the database"#)
                    == true, "\(String(describing: noDatabase))")
            let nobody = await #expect(throws: ServiceError.self) {
                try await PostgresCentralStore(
                    target: try PostgresTarget(url: "postgres://fieldsync@127.0.0.1:1/branch"), wallClock: clock.read,
                    logger: TestServer.quiet)
            }
            #expect(
                nobody?.message.hasPrefix(
                    "cannot connect to PostgreSQL at 127.0.0.1:1/branch: nothing listens at 127.0.0.1:1 (connection refused)"
                )
                    == true, "\(String(describing: nobody))")
        }
    }

    @Test("PostgreSQL refusing connections: requests fail with the reason logged, /ready says 503; both recover")
    func outage() async throws {
        try await ScratchDatabase.using { database in
            let log = RecordedLog()
            try await withStore(database.target, connectionWait: .seconds(2), log: log) { store in
                try await store.addManager(Staff.admin)
                let token = try await store.issueToken(for: Staff.admin.id)
                try await serving(store, log: log, tokens: [Staff.admin.id: token]) { server in
                    #expect(try await server.request(.GET, "/ready", as: nil).status == 200)
                    try await database.administer([
                        "ALTER DATABASE \(database.name) ALLOW_CONNECTIONS false",
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database.name)'",
                    ])
                    // A request on a pooled connection as it is cut fails with the cut's own message (57P01, or
                    // the connection closed) until the pool has seen its connections go; then with the reason.
                    let why = "not currently accepting connections (SQLSTATE 55000)"
                    for _ in 0..<20 where !log.entries.contains(where: { $0.contains(why) }) {
                        let conflicts = try await server.request(.GET, "/v1/conflicts")
                        #expect(conflicts.status == 500 && conflicts.error?.code == .storage, "\(conflicts)")
                    }
                    let ready = try await server.request(.GET, "/ready", as: nil)
                    #expect(ready.status == 503 && ready.error?.code == .storage, "\(ready)")
                    let failures = log.entries.filter { $0.hasPrefix("error request failed") }
                    #expect(failures.last?.contains(why) == true, "\(log.entries)")
                    #expect(failures.filter { $0.contains(why) }.count == 2, "\(log.entries)")

                    try await database.administer(["ALTER DATABASE \(database.name) ALLOW_CONNECTIONS true"])
                    // The pool tries again after a pause that grows with each failure: a few tenths of a second here.
                    var answer = try await server.request(.GET, "/ready", as: nil)
                    for _ in 0..<20 where answer.status != 200 {
                        try await Task.sleep(for: .milliseconds(250))
                        answer = try await server.request(.GET, "/ready", as: nil)
                    }
                    #expect(answer.description == #"200 {"status":"ready"}"#)
                    #expect(try await server.request(.GET, "/v1/conflicts").status == 200)
                }
            }
        }
    }

    @Test("a request that gets none of the pool's connections in time fails, saying the database is busy")
    func busyPool() async throws {
        try await ScratchDatabase.using { database in
            var target = database.target
            target.poolOptions.maximumConnections = 1
            try await withStore(target, connectionWait: .seconds(2), log: RecordedLog()) { store in
                // The pool's one connection waits for a lock held from outside.
                try await database.withConnection { holder in
                    _ = try await holder.query("BEGIN", logger: TestServer.quiet)
                    _ = try await holder.query("LOCK TABLE svc_managers", logger: TestServer.quiet)
                    async let waiting = store.managers()
                    try await holder.awaitSessionsWaiting(1, logger: TestServer.quiet)
                    let busy = await #expect(throws: ServiceError.self) { try await store.managers() }
                    #expect(
                        busy?.message.hasSuffix(
                            "takes connections, but none of the pool's 1 came free within 2.0 seconds: the database is overloaded or statements are stuck (see pg_stat_activity)"
                        ) == true, "\(String(describing: busy))")
                    _ = try await holder.query("COMMIT", logger: TestServer.quiet)
                    #expect(try await waiting.isEmpty)
                }
                #expect(try await store.managers().isEmpty)
            }
        }
    }

    /// PostgresNIO never answers a query written to a connection already
    /// closed: the transaction's ROLLBACK after the cut hung the request for
    /// good, and with it the service's graceful stop (seen ending sessions
    /// under `fieldsync-bench load`).
    @Test("a request whose session PostgreSQL ends mid-transaction fails with storage, and the store goes on")
    func sessionEnded() async throws {
        try await ScratchDatabase.using { database in
            try await withStore(database.target, connectionWait: .seconds(2), log: RecordedLog()) { store in
                try await database.withConnection { holder in
                    _ = try await holder.query("BEGIN", logger: TestServer.quiet)
                    _ = try await holder.query("LOCK TABLE svc_managers", logger: TestServer.quiet)
                    let outcome = Outcome { try await store.managers() }
                    try await holder.awaitSessionsWaiting(1, logger: TestServer.quiet)
                    _ = try await holder.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                        logger: TestServer.quiet)
                    let ended = try await outcome.result(within: .seconds(30))
                    _ = try await holder.query("COMMIT", logger: TestServer.quiet)
                    let failure = try #require(ended, "the request whose session ended still hangs after 30 s")
                    #expect(throws: ServiceError.self) { try failure.get() }
                }
                #expect(try await store.managers().isEmpty)
            }
        }
    }

    @Test("a statement on a connection PostgreSQL has closed fails at once: PostgresNIO would never answer it")
    func closedConnection() async throws {
        try await ScratchDatabase.using { database in
            try await database.withConnection { connection in
                _ = try? await connection.query(
                    "SELECT pg_terminate_backend(pg_backend_pid())", logger: TestServer.quiet)
                for _ in 0..<200 where !connection.isClosed { try await Task.sleep(for: .milliseconds(10)) }
                #expect(connection.isClosed)
                let outcome = Outcome {
                    try await connection.rows(PostgresStatement("SELECT 1"), logger: TestServer.quiet)
                }
                let result = try #require(try await outcome.result(within: .seconds(10)), "still waiting after 10 s")
                #expect(throws: ConnectionClosed.self) { try result.get() }
            }
        }
    }

    @Test("/ready on an SQLite store answers ready")
    func readySQLite() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteCentralStore(path: directory.file("central.db"), logger: TestServer.quiet)
        try await serving(store, log: RecordedLog(), tokens: [:]) { server in
            let answer = try await server.request(.GET, "/ready", as: nil)
            #expect(answer.description == #"200 {"status":"ready"}"#)
        }
        await store.close()
    }

    /// Runs `body` with a store on `target`, closed after it whether it throws or not. The tests' waits are
    /// seconds, not tenths: a machine running the whole suite can take that long to hand out a free connection.
    func withStore(
        _ target: PostgresTarget, connectionWait: Duration, log: RecordedLog,
        _ body: (PostgresCentralStore) async throws -> Void
    ) async throws {
        let store = try await PostgresCentralStore(
            target: target, wallClock: clock.read, connectionWait: connectionWait, logger: log.logger)
        do { try await body(store) } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func serving(
        _ store: any CentralStore, log: RecordedLog, tokens: [String: String], _ body: (TestServer) async throws -> Void
    ) async throws {
        try await running({ onRunning in
            SyncServer.application(
                store: store, configuration: ServerConfiguration(host: "127.0.0.1", port: 0), metrics: ServiceMetrics(),
                logger: log.logger, onRunning: onRunning)
        }) { port, _ in
            try await body(
                TestServer(
                    store: store, tokens: tokens, clock: clock, baseURL: "http://127.0.0.1:\(port)",
                    metrics: ServiceMetrics(), shutdown: {}))
        }
    }
}

/// What work left to run on its own ended with; nil while it runs.
private final class Outcome<Success: Sendable>: Sendable {
    let value = Mutex<Result<Success, any Error>?>(nil)

    /// Starts `work` in a task of its own, so that work that never ends fails a test rather than hangs it.
    init(_ work: @escaping @Sendable () async throws -> Success) {
        Task {
            let result: Result<Success, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            value.withLock { $0 = result }
        }
    }

    /// The result, waiting at most `limit` for it.
    func result(within limit: Duration) async throws -> Result<Success, any Error>? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let result = value.withLock({ $0 }) { return result }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

/// `ConnectionWatch`, without a database: the lost query is simulated by work that never ends.
@Suite("Connection watch")
struct ConnectionWatchTests {
    @Test("a statement never answered is given up on when the watch abandons it, and so is any after it")
    func abandonsNeverAnswered() async throws {
        let watch = ConnectionWatch()
        let outcome = Outcome { try await watch.run { try await Task.sleep(for: .seconds(3600)) } }
        try await Task.sleep(for: .milliseconds(50))
        watch.abandon()
        let result = try #require(try await outcome.result(within: .seconds(10)), "still waiting after 10 s")
        #expect(throws: ConnectionClosed.self) { try result.get() }
        await #expect(throws: ConnectionClosed.self) { try await watch.run { 7 } }
    }

    @Test("a statement answered is passed on, its error too")
    func passesResults() async throws {
        let watch = ConnectionWatch()
        #expect(try await watch.run { 7 } == 7)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await watch.run { throw Failure() } }
    }
}
