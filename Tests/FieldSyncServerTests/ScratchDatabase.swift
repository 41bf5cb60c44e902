import FieldSyncPostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// Which store a server test runs on.
enum TestStore {
    case sqlite
    case postgres
}

/// A fresh PostgreSQL database for one test, on the server
/// `FIELDSYNC_TEST_POSTGRES` names (scripts/test.sh starts a throwaway one).
/// Without it the PostgreSQL half of each server test fails: it is never skipped.
struct ScratchDatabase: Sendable {
    static let variable = "FIELDSYNC_TEST_POSTGRES"
    let name: String
    /// The scratch database, for a store.
    let target: PostgresTarget
    /// The same, for a client of the test's own.
    var configuration: PostgresClient.Configuration { target.pool }
    private let administration: PostgresClient.Configuration

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "the server tests run on PostgreSQL too: set \(ScratchDatabase.variable) to a superuser's URL (postgres://postgres@127.0.0.1:PORT/postgres), or run scripts/test.sh, which starts a throwaway PostgreSQL"
        }
    }

    static func create() async throws -> ScratchDatabase {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else { throw NotConfigured() }
        let administration = try PostgresURL.configuration(url)
        let name = "fieldsync_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await run("CREATE DATABASE \(name)", on: administration)
        return ScratchDatabase(
            name: name, target: try PostgresTarget(url: url).database(name), administration: administration)
    }

    /// Runs `body` with a fresh database, dropped after it whether it throws or not.
    static func using<T>(_ body: (ScratchDatabase) async throws -> T) async throws -> T {
        let database = try await create()
        do {
            let result = try await body(database)
            try await database.drop()
            return result
        } catch {
            try? await database.drop()
            throw error
        }
    }

    /// Runs each statement in the scratch database itself.
    func execute(_ statements: [String]) async throws {
        for sql in statements { try await Self.run(sql, on: configuration) }
    }

    /// Runs each statement on the server's administration database: to act on the scratch database from outside.
    func administer(_ statements: [String]) async throws {
        for sql in statements { try await Self.run(sql, on: administration) }
    }

    func drop() async throws {
        try await Self.run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: administration)
    }

    /// Runs `body` on one connection to the scratch database.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.withConnection(to: configuration, body)
    }

    private static let logger = Logger(label: "fieldsync-test", factory: { _ in SwiftLogNoOpLogHandler() })

    private static func run(_ sql: String, on configuration: PostgresClient.Configuration) async throws {
        try await withConnection(to: configuration) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    private static func withConnection<T>(
        to configuration: PostgresClient.Configuration, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await client.withConnection(body)
        }
    }
}

extension PostgresConnection {
    /// Waits until `count` sessions of this connection's database wait for a lock.
    func awaitSessionsWaiting(_ count: Int, logger: Logger) async throws {
        for _ in 0..<1000 {
            let rows = try await query(
                "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                logger: logger
            ).collect()
            if try rows.first?.decode(Int.self) ?? 0 >= count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("\(count) sessions never waited for a lock")
        throw CancellationError()
    }
}
