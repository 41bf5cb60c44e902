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
    private let process: Process
    private let errorURL: URL

    /// Starts the server and waits until it prints the address it listens on.
    init(in directory: URL, extraArguments: [String] = []) async throws {
        let token = UUID().uuidString
        let outURL = directory.appendingPathComponent(".server-out-\(token)")
        errorURL = directory.appendingPathComponent(".server-err-\(token)")
        dataPath = directory.appendingPathComponent("central.db").path
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        var tokens: [String: String] = [:]
        for (id, role, branch) in Self.staff {
            try await Self.admin(["manager", "add", id, "--name", id.capitalized, "--branch", branch, "--role", role], data: dataPath)
            tokens[id] = try await Self.admin(["token", "issue", id], data: dataPath)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        self.tokens = tokens
        process = Process()
        process.executableURL = try FieldSyncExecutable.serverURL()
        process.arguments = ["serve", "--port", "0", "--data", dataPath] + extraArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var found: String?
        while found == nil, Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            let output = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
            found = output.split(separator: "\n").compactMap { line in
                line.hasPrefix("fieldsync-server listening on ") ? String(line.dropFirst(30)) : nil
            }.first
        }
        guard let found else {
            process.terminate()
            throw ServerDidNotStart(log: String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self))
        }
        url = found
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

    struct ServerDidNotStart: Error, CustomStringConvertible {
        let log: String
        var description: String { "fieldsync-server did not start:\n\(log)" }
    }

    /// Interrupts the server and waits for it to exit; returns its exit status and log.
    @discardableResult
    func stop() async throws -> (status: Int32, log: String) {
        if process.isRunning { process.interrupt() }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            Issue.record("fieldsync-server did not stop within 20 s of SIGINT")
        }
        return (process.terminationStatus, log)
    }

    var log: String { String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self) }

    deinit { if process.isRunning { process.terminate() } }
}
