import FieldSyncPostgres
import FieldSyncService
import Foundation
import GRDB
import Logging
import PostgresNIO

/// Where one benchmark run keeps the service's central store: an SQLite file
/// in the run's directory, or a database of its own on a PostgreSQL server,
/// created for the run and dropped after it (its name carries the process id,
/// so runs at once on one server keep apart).
enum BenchStore: Sendable {
    case sqlite(path: String)
    /// `url` names the run's database; `administration` the server's, where it is created and dropped.
    case postgres(url: String, database: String, administration: PostgresClient.Configuration)

    /// Runs `body` on a fresh store for the run `name` (letters, digits, `_`): in `directory`, or on the server
    /// `postgres` names (as a user allowed to create databases). The store is removed however `body` ends.
    static func withFresh<T>(
        _ name: String, in directory: String, postgres: String?, _ body: (BenchStore) async throws -> T
    ) async throws -> T {
        let store = try await fresh(name, in: directory, postgres: postgres)
        do {
            let result = try await body(store)
            try await store.remove()
            return result
        } catch {
            try? await store.remove()
            throw error
        }
    }

    private static func fresh(_ name: String, in directory: String, postgres: String?) async throws -> BenchStore {
        guard let postgres else { return .sqlite(path: "\(directory)/central.db") }
        let administration = try PostgresURL.configuration(postgres)
        guard var url = URLComponents(string: postgres) else { throw BenchmarkError("--postgres is not a URL") }
        let database = "fieldsync_bench_\(name)_\(getpid())"
        url.path = "/" + database
        try await Self.execute(["DROP DATABASE IF EXISTS \(database) WITH (FORCE)", "CREATE DATABASE \(database)"],
            on: administration)
        return .postgres(url: url.string!, database: database, administration: administration)
    }

    /// "sqlite" or "postgres", as results name the store.
    var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }

    /// How `fieldsync-server serve` is told where the store is.
    var serveArguments: [String] {
        switch self {
        case .sqlite(let path): ["--data", path]
        case .postgres(let url, _, _): ["--postgres", url]
        }
    }

    /// Opens the store as the service does, to fill it before the server starts; close it after.
    func open() async throws -> any CentralStore {
        var logger = Logger(label: "fieldsync-bench")
        logger.logLevel = .warning
        switch self {
        case .sqlite(let path): return try SQLiteCentralStore(path: path, logger: logger)
        case .postgres(let url, _, _):
            return try await PostgresCentralStore(target: try PostgresTarget(url: url), logger: logger)
        }
    }

    /// After a bulk seed, brings PostgreSQL's planner statistics up to date, as
    /// autovacuum does on a live server within a minute of a bulk change. Planned on
    /// statistics taken while the tables were nearly empty, a pull page sorted the whole
    /// book: 410 ms a page against 157 at 12,500 customers. SQLite plans without statistics.
    func settle() async throws {
        guard case .postgres(let url, _, _) = self else { return }
        try await Self.execute(["ANALYZE"], on: try PostgresURL.configuration(url))
    }

    /// Runs each query and visits every value of every row it returns, as a plain reader of the store would;
    /// returns how many values that was, and how long it took.
    func readValues(_ queries: [String], skippingFirstColumn: Bool) async throws -> (values: Int, seconds: Double) {
        let first = skippingFirstColumn ? 1 : 0
        let start = MonotonicClock.seconds()
        var values = 0
        switch self {
        case .sqlite(let path):
            var configuration = Configuration()
            configuration.readonly = true
            values = try await DatabaseQueue(path: path, configuration: configuration).read { db in
                var values = 0
                for sql in queries {
                    let rows = try Row.fetchCursor(db, sql: sql)
                    while let row = try rows.next() {
                        for index in first..<row.count { _ = row[index] as DatabaseValue }
                        values += row.count - first
                    }
                }
                return values
            }
        case .postgres(let url, _, _):
            values = try await Self.withClient(try PostgresURL.configuration(url)) { client, logger in
                var values = 0
                for sql in queries {
                    for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                        for cell in row.dropFirst(first) {
                            _ = cell.bytes
                            values += 1
                        }
                    }
                }
                return values
            }
        }
        return (values, MonotonicClock.seconds() - start)
    }

    /// The first column of the first row `sql` returns, as an integer.
    func integer(_ sql: String) async throws -> Int {
        switch self {
        case .sqlite(let path):
            var configuration = Configuration()
            configuration.readonly = true
            return try await DatabaseQueue(path: path, configuration: configuration).read { db in
                try Int.fetchOne(db, sql: sql) ?? 0
            }
        case .postgres(let url, _, _):
            return try await Self.withClient(try PostgresURL.configuration(url)) { client, logger in
                for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                    return try row.decode(Int.self)
                }
                return 0
            }
        }
    }

    /// Drops the run's PostgreSQL database (an SQLite file goes with the run's directory).
    private func remove() async throws {
        guard case .postgres(_, let database, let administration) = self else { return }
        try await Self.execute(["DROP DATABASE IF EXISTS \(database) WITH (FORCE)"], on: administration)
    }

    private static func execute(_ statements: [String], on configuration: PostgresClient.Configuration) async throws {
        try await withClient(configuration) { client, logger in
            for sql in statements { try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
        }
    }

    private static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration,
        _ body: @Sendable (PostgresClient, Logger) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "fieldsync-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client, logger)
        }
    }
}
