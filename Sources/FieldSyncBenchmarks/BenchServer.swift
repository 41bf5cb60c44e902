import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The real `fieldsync-server serve`, on a free loopback port, over a store
/// the benchmark filled beforehand. Its log goes to a file in the directory.
final class BenchServer: Sendable {
    let url: String
    private let process: ChildProcess
    private let logPath: String

    static func start(on store: BenchStore, in directory: String) async throws -> BenchServer {
        let output = "\(directory)/server.out"
        let log = "\(directory)/server.log"
        let process = try ChildProcess(
            measuring: try ChildProcess.sibling("fieldsync-server"), ["serve", "--port", "0"] + store.serveArguments,
            standardOutput: output, standardError: log)
        let prefix = "fieldsync-server listening on "
        let deadline = MonotonicClock.seconds() + 60
        while MonotonicClock.seconds() < deadline {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return BenchServer(url: String(line.dropFirst(prefix.count)), process: process, logPath: log)
            }
            if let exit = process.exitIfEnded() {
                let message = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw BenchmarkError("fieldsync-server exited with \(exit.status) before listening: \(message)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        _ = await process.wait()
        throw BenchmarkError("fieldsync-server did not start listening within 60 s (its log: \(log))")
    }

    private init(url: String, process: ChildProcess, logPath: String) {
        self.url = url
        self.process = process
        self.logPath = logPath
    }

    /// The server's own process, to read its CPU time while it runs.
    var pid: pid_t? { process.programPID }

    /// Stops the server (SIGINT, as an operator would); its exit carries its peak resident size.
    func stop() async throws -> ChildProcess.Exit {
        process.signal(SIGINT)
        let exit = await process.wait()
        guard exit.status == 0 else {
            throw BenchmarkError("fieldsync-server exited with \(exit.status) when stopped (its log: \(logPath))")
        }
        return exit
    }
}
