import Foundation
import Testing

/// A `fieldsync-server serve` process on a free loopback port, with its
/// store in a directory of the test's, set up with `fieldsync-server manager
/// add` and `token issue` for its staff. `stop()` sends SIGINT, as an operator would.
final class ServerProcess: @unchecked Sendable {
    /// North: managers ana and carla and their supervisor bruno; south: manager zoe; root is the admin.
    static let staff = [
        ("ana", "manager", "north"), ("carla", "manager", "north"), ("bruno", "supervisor", "north"),
        ("zoe", "manager", "south"), ("root", "admin", "hq"),
    ]

    let url: String
    let dataPath: String
    /// Each staff member's token.
    let tokens: [String: String]
    private let server: ServeProcess

    /// Starts the server and waits until it prints the address it listens on.
    init(in directory: URL, extraArguments: [String] = []) async throws {
        dataPath = directory.appendingPathComponent("central.db").path
        var tokens: [String: String] = [:]
        for (id, role, branch) in Self.staff {
            try await Self.admin(["manager", "add", id, "--name", id.capitalized, "--branch", branch, "--role", role], data: dataPath)
            tokens[id] = try await Self.admin(["token", "issue", id], data: dataPath)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        self.tokens = tokens
        server = try ServeProcess(
            ["--port", "0", "--data", dataPath] + extraArguments, environment: ProcessInfo.processInfo.environment,
            in: directory)
        try await server.waitUntilListening()
        url = server.url
    }

    /// Runs an administration command of `fieldsync-server` on the store; returns its standard output.
    @discardableResult
    static func admin(_ arguments: [String], data: String) async throws -> String {
        let result = try await ChildProcess.run(
            try FieldSyncExecutable.serverURL(), arguments + ["--data", data], environment: [:],
            in: URL(fileURLWithPath: (data as NSString).deletingLastPathComponent))
        try #require(result.exitCode == 0, "\(result)")
        return result.stdout
    }

    func admin(_ arguments: String...) async throws -> ProcessResult {
        try await ChildProcess.run(
            try FieldSyncExecutable.serverURL(), arguments + ["--data", dataPath], environment: [:],
            in: URL(fileURLWithPath: (dataPath as NSString).deletingLastPathComponent))
    }

    /// Interrupts the server and waits for it to exit; returns its exit status and log.
    @discardableResult
    func stop() async throws -> (status: Int32, log: String) { try await server.stop() }

    var log: String { server.log }
}
