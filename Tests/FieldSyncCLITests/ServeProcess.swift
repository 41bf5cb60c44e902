import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A `fieldsync-server serve ARGUMENTS` process: started, then waited for
/// until it prints the address it listens on; `stop()` sends SIGINT, as an operator would.
final class ServeProcess: @unchecked Sendable {
    private let process: SpawnedProcess
    private let outURL: URL
    private let errorURL: URL
    private(set) var url = ""

    init(_ arguments: [String], environment: [String: String], in directory: URL) throws {
        let token = UUID().uuidString
        outURL = directory.appendingPathComponent(".serve-out-\(token)")
        errorURL = directory.appendingPathComponent(".serve-err-\(token)")
        process = try SpawnedProcess(
            try FieldSyncExecutable.serverURL().path, ["serve"] + arguments, environment: environment,
            in: directory.path, standardOutput: outURL.path, standardError: errorURL.path)
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
            process.signal(SIGTERM)
            throw ServerDidNotStart(log: log)
        }
    }

    /// SIGINT, as an operator would; returns the exit status (128 + the signal
    /// when one ended it) and the log.
    @discardableResult
    func stop() async throws -> (status: Int32, log: String) {
        process.signal(SIGINT)
        if try await !ended(within: 20) {
            Issue.record("fieldsync-server did not stop within 20 s of SIGINT")
            process.signal(SIGTERM)
            // Killed if SIGTERM does not work either, rather than leave the test waiting.
            if try await !ended(within: 10) { process.signal(SIGKILL) }
        }
        let termination = await process.waitUntilExit()
        return (termination.exitCode, log)
    }

    /// Whether the process has ended by then.
    private func ended(within seconds: TimeInterval) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    var log: String { String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self) }

    deinit { process.signal(SIGTERM) }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        let log: String
        var description: String { "fieldsync-server did not start:\n\(log)" }
    }
}
