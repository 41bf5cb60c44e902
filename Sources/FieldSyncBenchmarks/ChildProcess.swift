import CFieldSyncProcess
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program the benchmark starts (the real `fieldsync-server` and
/// `fieldsync`), with its peak resident size and CPU time as the kernel
/// counts them (`wait4`).
///
/// Linux carries a process's peak over `exec` from the memory it replaced,
/// and a program spawned straight from the benchmark (gigabytes of seeding
/// behind it) would inherit the benchmark's peak. So the benchmark starts
/// `fieldsync-bench measure`, small and fresh, which starts the program,
/// waits for it and writes its figures to a file.
final class ChildProcess: @unchecked Sendable {
    struct Exit: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        let status: Int32
        let peakResidentBytes: UInt64
        /// User plus system CPU time.
        let cpuSeconds: Double
    }

    let pid: pid_t
    let name: String

    /// Where `fieldsync-bench measure` writes the program's figures.
    private let figures: String?

    /// Starts `executable` with `arguments` through `fieldsync-bench measure`,
    /// standard output and error going to files.
    convenience init(
        measuring executable: String, _ arguments: [String], standardOutput: String, standardError: String
    ) throws {
        let figures = standardError + ".figures"
        try? FileManager.default.removeItem(atPath: figures)
        try self.init(
            try Self.sibling("fieldsync-bench"), ["measure", "--figures", figures, "--", executable] + arguments,
            standardOutput: standardOutput, standardError: standardError, figures: figures,
            name: (executable as NSString).lastPathComponent)
    }

    /// Starts `executable` itself; its figures then include the memory it was started from.
    init(
        _ executable: String, _ arguments: [String], standardOutput: String? = nil, standardError: String? = nil,
        figures: String? = nil, name: String? = nil
    ) throws {
        self.name = name ?? (executable as NSString).lastPathComponent
        self.figures = figures
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardOutput {
            posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        if let standardError {
            posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        let environment = ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var failure = fieldsync_spawn_with_default_signals(&attributes)
        var pid: pid_t = 0
        if failure == 0 { failure = posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard failure == 0 else {
            throw BenchmarkError("cannot start \(executable): \(String(cString: strerror(failure)))")
        }
        self.pid = pid
    }

    /// Waits for the process to end, off the caller's thread.
    func wait() async -> Exit {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.measured(self.waitBlocking(options: 0)!))
            }
        }
    }

    /// The exit, when the process has already ended.
    func exitIfEnded() -> Exit? { waitBlocking(options: WNOHANG).map(measured) }

    /// The measured program's own figures, when it ran through `fieldsync-bench measure`.
    private func measured(_ exit: Exit) -> Exit {
        guard let figures, let text = try? String(contentsOfFile: figures, encoding: .utf8) else { return exit }
        let numbers = text.split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard numbers.count == 3 else { return exit }
        return Exit(status: Int32(numbers[0]), peakResidentBytes: UInt64(numbers[1]), cpuSeconds: numbers[2])
    }

    /// Runs a program to its end, the way `fieldsync-bench measure` does: figures as the kernel counts them.
    static func runMeasured(_ executable: String, _ arguments: [String]) throws -> Exit {
        // Handlers first, so a stop that comes early still reaches the program (which
        // starts with default handlers and no signal blocked: `init`).
        for signal in [SIGINT, SIGTERM] {
            Glibc.signal(signal) { received in
                if forwardedChild > 0 { kill(forwardedChild, received) }
            }
        }
        let child = try ChildProcess(executable, arguments)
        forwardedChild = child.pid
        return child.waitBlocking(options: 0)!
    }

    private func waitBlocking(options: Int32) -> Exit? {
        var status: Int32 = 0
        var usage = rusage()
        var reaped: pid_t
        repeat { reaped = wait4(pid, &status, options, &usage) } while reaped == -1 && errno == EINTR
        guard reaped == pid else { return nil }
        let signal = status & 0x7f
        return Exit(
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
            peakResidentBytes: UInt64(usage.ru_maxrss) * 1024,
            cpuSeconds: Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6)
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// The program's own process: started `measuring:`, the wrapper's one child (nil until it has started).
    var programPID: pid_t? {
        guard figures != nil else { return pid }
        // Each thread lists the children it started; the wrapper's may have started from any.
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.lazy.compactMap { thread in
            (try? String(contentsOfFile: "/proc/\(self.pid)/task/\(thread)/children", encoding: .utf8))?
                .split(separator: " ").first.flatMap { pid_t($0) }
        }.first
    }

    /// Runs a program to its end; throws with its standard error when it fails.
    static func run(
        _ executable: String, _ arguments: [String], in directory: String, label: String
    ) async throws -> (output: String, exit: Exit) {
        let output = "\(directory)/\(label).out"
        let errors = "\(directory)/\(label).err"
        let child = try ChildProcess(measuring: executable, arguments, standardOutput: output, standardError: errors)
        let exit = await child.wait()
        guard exit.status == 0 else {
            let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw BenchmarkError("\(child.name) \(arguments.first ?? "") exited with \(exit.status): \(message)")
        }
        return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "", exit)
    }

    /// A program built beside this one (`fieldsync`, `fieldsync-server`).
    static func sibling(_ name: String) throws -> String {
        let me =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BenchmarkError("\(path) is missing: build it first (swift build -c release)")
        }
        return path
    }
}

/// The program `fieldsync-bench measure` runs: signals it receives go on to it.
nonisolated(unsafe) private var forwardedChild: pid_t = 0
