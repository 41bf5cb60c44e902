import Foundation
import Testing

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
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }

    var commandLine: String { command.joined(separator: " ") }

    var description: String {
        "`\(commandLine)` exited with \(exitCode)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)"
    }
}

enum ChildProcess {
    /// Runs `executable` to completion, its output captured in files (pipes
    /// could fill up and block the child), and kills it after `timeout`.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String], in directory: URL,
        timeout: TimeInterval = 30
    ) async throws -> ProcessResult {
        let token = UUID().uuidString
        let outURL = directory.appendingPathComponent(".stdout-\(token)")
        let errURL = directory.appendingPathComponent(".stderr-\(token)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        let box = ProcessBox(process)

        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { box.terminateIfRunning() }
        }
        try? outHandle.close()
        try? errHandle.close()
        let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        if box.timedOut {
            Issue.record("`\(([executable.lastPathComponent] + arguments).joined(separator: " "))` ran longer than \(timeout) s and was killed")
        }
        return ProcessResult(
            command: [executable.lastPathComponent] + arguments, exitCode: process.terminationStatus, stdout: stdout,
            stderr: stderr)
    }
}

/// Lets the watchdog reach the process from another thread.
private final class ProcessBox: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var killed = false

    init(_ process: Process) { self.process = process }

    var timedOut: Bool { lock.withLock { killed } }

    func terminateIfRunning() {
        lock.withLock {
            guard process.isRunning else { return }
            killed = true
            process.terminate()
        }
    }
}
