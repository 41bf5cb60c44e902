import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `fieldsync` executable, found next to the test bundle.
enum FieldSyncExecutable {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        let searched: [String]
        var description: String {
            """
            The \(name) executable was not found next to the test bundle (looked in: \
            \(searched.joined(separator: ", "))). Build it first, with the same scratch path as the tests: \
            `swift build --product \(name)` (or set \(variable(name)) to its path).
            """
        }
    }

    /// Searched once per test process.
    static let located: Result<URL, Missing> = locate("fieldsync")
    static let locatedServer: Result<URL, Missing> = locate("fieldsync-server")
    static let locatedBench: Result<URL, Missing> = locate("fieldsync-bench")

    static func url() throws -> URL {
        try located.get()
    }

    static func serverURL() throws -> URL {
        try locatedServer.get()
    }

    static func benchURL() throws -> URL {
        try locatedBench.get()
    }

    /// FIELDSYNC_EXECUTABLE, FIELDSYNC_SERVER_EXECUTABLE.
    static func variable(_ name: String) -> String {
        name.uppercased().replacingOccurrences(of: "-", with: "_") + "_EXECUTABLE"
    }

    /// `$FIELDSYNC_EXECUTABLE`, else the first `fieldsync` file found walking
    /// up from the test bundle (on Linux the bundle is an executable inside the
    /// build products directory, so the first step up is usually it).
    private static func locate(_ name: String) -> Result<URL, Missing> {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment[variable(name)], !override.isEmpty {
            return fileManager.isExecutableFile(atPath: override)
                ? .success(URL(fileURLWithPath: override)) : .failure(Missing(name: name, searched: [override]))
        }
        let starts = [
            Bundle.main.bundleURL, Bundle.main.executableURL,
            CommandLine.arguments.first.map { URL(fileURLWithPath: $0) },
        ].compactMap { $0?.standardizedFileURL }
        var searched: [String] = []
        for start in starts {
            var directory = start
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fileManager.isExecutableFile(atPath: candidate.path)
                {
                    return .success(candidate)
                }
                if !searched.contains(directory.path) { searched.append(directory.path) }
                directory.deleteLastPathComponent()
            }
        }
        return .failure(Missing(name: name, searched: searched))
    }
}

/// What a child process did.
struct ProcessResult: CustomStringConvertible {
    let command: [String]
    /// The exit status, or 128 + the signal that ended the process.
    let exitCode: Int32
    let stdout: String
    let stderr: String

    var succeeded: Bool { exitCode == 0 }

    /// Standard output parsed as JSON.
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        try JSON.parse(stdout, what: "standard output of \(commandLine)", sourceLocation: sourceLocation)
    }

    /// Standard error parsed as JSON (errors under `--json`).
    func errorJSON(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        try JSON.parse(stderr, what: "standard error of \(commandLine)", sourceLocation: sourceLocation)
    }

    /// The lines of standard output, without the empty last one.
    var lines: [String] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    var commandLine: String { command.joined(separator: " ") }

    var description: String {
        "`\(commandLine)` exited with \(exitCode)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)"
    }
}

enum ChildProcess {
    /// Runs `executable` to completion, its output captured in files (pipes
    /// could fill up and block the child), and terminates it (SIGTERM) after `timeout`.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String], in directory: URL,
        timeout: TimeInterval = 30
    ) async throws -> ProcessResult {
        let token = UUID().uuidString
        let outURL = directory.appendingPathComponent(".stdout-\(token)")
        let errURL = directory.appendingPathComponent(".stderr-\(token)")
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let command = [executable.lastPathComponent] + arguments

        let process = try SpawnedProcess(
            executable.path, arguments, environment: environment, in: directory.path, standardOutput: outURL.path,
            standardError: errURL.path)
        let watchdog = Watchdog(process)
        let alarm = DispatchWorkItem { watchdog.terminateIfRunning() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: alarm)
        let termination = await process.waitUntilExit()
        alarm.cancel()

        let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        if watchdog.timedOut {
            Issue.record("`\(command.joined(separator: " "))` ran longer than \(timeout) s and was killed")
        }
        return ProcessResult(command: command, exitCode: termination.exitCode, stdout: stdout, stderr: stderr)
    }
}

/// Terminates a process that outlives its time, and remembers having done so.
private final class Watchdog: @unchecked Sendable {
    private let process: SpawnedProcess
    private let lock = NSLock()
    private var terminated = false

    init(_ process: SpawnedProcess) { self.process = process }

    var timedOut: Bool { lock.withLock { terminated } }

    func terminateIfRunning() {
        lock.withLock {
            if process.signal(SIGTERM) { terminated = true }
        }
    }
}
