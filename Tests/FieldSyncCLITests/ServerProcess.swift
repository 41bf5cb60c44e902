import Foundation
import Testing

/// A `fieldsync-server serve --open` process on a free loopback port, with its
/// store in a directory of the test's. `stop()` sends SIGINT, as an operator would.
final class ServerProcess: @unchecked Sendable {
    let url: String
    let dataPath: String
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
        process = Process()
        process.executableURL = try FieldSyncExecutable.serverURL()
        process.arguments = ["serve", "--open", "--port", "0", "--data", dataPath] + extraArguments
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
