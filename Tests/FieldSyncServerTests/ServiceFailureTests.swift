import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncServer
import FieldSyncService
import FieldSyncTestSupport
import GRDB
import Testing

/// When the service's database fails, a device is told `storage` and to
/// retry; what failed, and where the database is, go to the service's log
/// for its operators.
@Suite("Service failures")
struct ServiceFailureTests {
    static let generic = "the service's database failed; the service logged why for its operators; retry later"

    @Test("SQLite: a failing statement is answered 500 storage without SQLite's message; the log has it")
    func sqlite() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let log = RecordedLog()
        let store = try SQLiteCentralStore(
            path: path, wallClock: ManualWallClock(1_795_000_000_000).read, replicaID: ReplicaID(rawValue: 0x5e5e)!,
            random: SeededGenerator(seed: 1), logger: log.logger)
        try await answersStorage(store, log: log) {
            try DatabaseQueue(path: path).write { try $0.execute(sql: "DROP TABLE svc_conflicts") }
        } logged: { entry in
            entry.contains("no such table: svc_conflicts")
        }
        await store.close()
    }

    @Test(
        "PostgreSQL: a failing statement is answered 500 storage without the database's host or message; the log has them"
    )
    func postgres() async throws {
        try await ScratchDatabase.using { database in
            let log = RecordedLog()
            let store = try await PostgresCentralStore(
                target: database.target, wallClock: ManualWallClock(1_795_000_000_000).read,
                replicaID: ReplicaID(rawValue: 0x5e5e)!, random: SeededGenerator(seed: 1), logger: log.logger)
            do {
                try await answersStorage(store, log: log) {
                    try await database.execute(["DROP TABLE svc_conflicts"])
                } logged: { entry in
                    entry.contains("SQLSTATE 42P01") && entry.contains(#"relation "svc_conflicts" does not exist"#)
                        && entry.contains(database.name)
                }
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    /// Breaks the store (`breakStore`), then lists conflicts as the admin.
    func answersStorage(
        _ store: any CentralStore, log: RecordedLog, breakStore: () async throws -> Void,
        logged: (String) -> Bool
    ) async throws {
        try await store.addManager(Staff.admin)
        let token = try await store.issueToken(for: Staff.admin.id)
        try await running({ onRunning in
            SyncServer.application(
                store: store, configuration: ServerConfiguration(host: "127.0.0.1", port: 0), metrics: ServiceMetrics(),
                logger: log.logger, onRunning: onRunning)
        }) { port, _ in
            let server = TestServer(
                store: store, tokens: [Staff.admin.id: token], clock: ManualWallClock(0),
                baseURL: "http://127.0.0.1:\(port)", metrics: ServiceMetrics(), shutdown: {})
            #expect(try await server.request(.GET, "/v1/conflicts").status == 200)
            try await breakStore()
            let answer = try await server.request(.GET, "/v1/conflicts")
            #expect(answer.status == 500)
            #expect(answer.error?.code == .storage && answer.error?.message == Self.generic, "\(answer)")
            let failures = log.entries.filter { $0.hasPrefix("error request failed") }
            #expect(failures.count == 1 && failures.allSatisfy(logged), "\(log.entries)")
        }
    }
}
