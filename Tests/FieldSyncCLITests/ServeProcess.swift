import Foundation
import Testing

/// A `fieldsync-server serve ARGUMENTS` process: started, then waited for
/// until it prints the address it listens on; `stop()` sends SIGINT, as an operator would.
final class ServeProcess: @unchecked Sendable {
    private let process = Process()
    private let outURL: URL
    private let errorURL: URL
    private(set) var url = ""

    init(_ arguments: [String], environment: [String: String], in directory: URL) throws {
        let token = UUID().uuidString
        outURL = directory.appendingPathComponent(".serve-out-\(token)")
        errorURL = directory.appendingPathComponent(".serve-err-\(token)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.executableURL = try FieldSyncExecutable.serverURL()
        process.arguments = ["serve"] + arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
    }

    func waitUntilListening() async throws {
        let deadline = Date().addingTimeInterval(30)
        let prefix = "fieldsync-server listening on "
        while url.isEmpty, Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            let output = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
            let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) })
            url = line.map { String($0.dropFirst(prefix.count)) } ?? ""
        }
        guard !url.isEmpty else {
            process.terminate()
            throw ServerDidNotStart(log: log)
        }
    }

    /// SIGINT, as an operator would; returns the exit status and the log.
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

    struct ServerDidNotStart: Error, CustomStringConvertible {
        let log: String
        var description: String { "fieldsync-server did not start:\n\(log)" }
    }
}
