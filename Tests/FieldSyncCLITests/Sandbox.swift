import Foundation
import GRDBSQLite
import Testing

/// One test's private directory, its replica files, and ways to run
/// `fieldsync` and `sqlite3` there. Removed when the test ends.
final class Sandbox {
    let directory: URL
    /// The replica most tests use; pass another path for a second device.
    let replica: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fieldsync-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        replica = directory.appendingPathComponent("replica.db").path
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The environment of every child: the caller's, without a replica
    /// location, with HOME and XDG_DATA_HOME inside the sandbox so a command
    /// that falls back to the default replica never touches the real one.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDSYNC_REPLICA"] = nil
        environment["HOME"] = directory.path
        environment["XDG_DATA_HOME"] = directory.appendingPathComponent("xdg").path
        environment.merge(extra) { _, new in new }
        return environment
    }

    // MARK: - Running fieldsync

    /// `fieldsync ARGUMENTS`, exactly as given.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessResult {
        try await ChildProcess.run(
            try FieldSyncExecutable.url(), arguments, environment: environment(extra), in: directory)
    }

    /// `fieldsync ARGUMENTS --replica PATH` (this sandbox's replica unless `on` names another).
    func fieldsync(_ arguments: String..., on replica: String? = nil) async throws -> ProcessResult {
        try await run(arguments + ["--replica", replica ?? self.replica])
    }

    /// Like `fieldsync`, and the command must exit 0.
    @discardableResult
    func succeed(
        _ arguments: String..., on replica: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessResult {
        let result = try await run(arguments + ["--replica", replica ?? self.replica])
        try #require(result.exitCode == 0, "\(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Like `succeed`, with `--json`, returning the parsed output.
    func json(
        _ arguments: String..., on replica: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSON {
        let result = try await run(arguments + ["--json", "--replica", replica ?? self.replica])
        try #require(result.exitCode == 0, "\(result)", sourceLocation: sourceLocation)
        return try result.json(sourceLocation: sourceLocation)
    }

    // MARK: - Common steps

    /// `fieldsync init`, with a manager unless `manager` is nil.
    func initReplica(_ replica: String? = nil, manager: String? = "ana.lima") async throws {
        let managerArguments = manager.map { ["--manager", $0] } ?? []
        let result = try await run(["init"] + managerArguments + ["--replica", replica ?? self.replica])
        try #require(result.exitCode == 0, "\(result)")
    }

    /// Adds a customer and returns its id.
    func addCustomer(_ name: String, _ assignments: String..., on replica: String? = nil) async throws -> String {
        let result = try await run(["customer", "add", name] + assignments + ["--replica", replica ?? self.replica])
        try #require(result.exitCode == 0, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(isRecordID(id), "customer add printed \(id), not an id")
        return id
    }

    /// `record get TABLE ID --json`.
    func record(_ table: String, _ id: String, on replica: String? = nil) async throws -> JSON {
        try await json("record", "get", table, id, on: replica)
    }

    /// What a command that fails must leave exactly as it was.
    struct State: Equatable, CustomStringConvertible {
        var digest: String
        var rows: Int64
        var pending: Int64
        var counter: Int64
        var description: String { "digest \(digest), \(rows) rows, \(pending) pending, change counter \(counter)" }
    }

    func state(_ replica: String? = nil) async throws -> State {
        let digest = try await json("digest", on: replica)
        let status = try await json("status", on: replica)
        return State(
            digest: try #require(digest["digest"]?.string), rows: try #require(digest["rows"]?.int),
            pending: try #require(status["pending_changes"]?.int), counter: try #require(status["change_counter"]?.int))
    }

    // MARK: - Running sqlite3

    static let sqlite3 = URL(fileURLWithPath: "/usr/bin/sqlite3")

    /// `sqlite3 REPLICA SQL`, as another program on the device would write.
    func sqlite(_ sql: String, on replica: String? = nil) async throws -> ProcessResult {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.sqlite3.path), "these tests need /usr/bin/sqlite3")
        return try await ChildProcess.run(
            Self.sqlite3, ["-batch", "-bail", replica ?? self.replica, sql], environment: environment(), in: directory)
    }

    /// The rows of `table` in a replica, read in this process: for polling a
    /// running command, where starting `sqlite3` each time is too slow on a
    /// busy machine (the command finishes between two looks).
    func rowCount(_ table: String, on replica: String) throws -> Int {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        guard sqlite3_open_v2(replica, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { return 0 }
        sqlite3_busy_timeout(db, 1_000)
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(db, "SELECT count(*) FROM \(table)", -1, &statement, nil) == SQLITE_OK,
            sqlite3_step(statement) == SQLITE_ROW
        else { return 0 }
        return Int(sqlite3_column_int64(statement, 0))
    }

    /// A fresh lower-case record id.
    static func newID() -> String { UUID().uuidString.lowercased() }
}

/// A canonical record id: 36 characters, lower-case hex and dashes.
func isRecordID(_ text: String) -> Bool {
    text.count == 36 && text.allSatisfy { "0123456789abcdef-".contains($0) }
        && text.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12]
}

/// A version as change files print it: `TIMESTAMP-REPLICA`, 16 + 16 hex digits.
func versionReplica(_ version: String) -> String? {
    let parts = version.split(separator: "-")
    guard parts.count == 2, parts.allSatisfy({ $0.count == 16 }) else { return nil }
    return String(parts[1])
}
