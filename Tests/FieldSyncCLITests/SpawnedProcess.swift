import CFieldSyncProcess
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process the tests start (`fieldsync`, `fieldsync-server`, `sqlite3`), with
/// posix_spawn, and reap, with waitpid.
///
/// Not Foundation's `Process`: on Linux its `run()` can crash when the test process has
/// many (~1000+) descriptors open, as ours nearly does (swift-corelibs-foundation PR #5472:
/// `findMaximumOpenFromProcSelfFD` copies 256 bytes of each /proc/self/fd entry, past the
/// end of glibc's readdir buffer).
///
/// The process is reaped once, under `lock`, and signalled only while it is not reaped
/// yet, so a signal never reaches another process that was given the same pid later.
final class SpawnedProcess: @unchecked Sendable {
    /// How the process ended.
    enum Termination: Equatable, Sendable {
        case exited(status: Int32)
        case signaled(Int32)

        /// The exit status, or 128 + the signal that ended the process (as a shell reports
        /// it, so a signal is never mistaken for a status the program chose).
        var exitCode: Int32 {
            switch self {
            case .exited(let status): status
            case .signaled(let signal): 128 + signal
            }
        }

        /// The signal that ended the process, nil when it exited.
        var signal: Int32? {
            if case .signaled(let signal) = self { signal } else { nil }
        }
    }

    struct CannotStart: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    private let lock = NSLock()
    private var reaped: Termination?

    /// Starts `executable` (a path: PATH is not searched) with `arguments`, with exactly
    /// `environment` (not this process's), in `directory` (this process's when nil),
    /// standard input from /dev/null and standard output and error into the files named
    /// (created or emptied). Descriptors 3 and up are closed in the child, as `Process`
    /// closes them; signals start unblocked and with default handlers (the cooperative
    /// pool's threads, which spawn most children, block most signals).
    init(
        _ executable: String, _ arguments: [String], environment: [String: String], in directory: String? = nil,
        standardOutput: String = "/dev/null", standardError: String = "/dev/null"
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The files open before the directory changes: relative names are the caller's.
        var failure = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if failure == 0 {
            failure = posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        if failure == 0 {
            failure = posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        if failure == 0 { failure = try GlibcExtensions.addCloseFrom()(&actions, 3) }
        if failure == 0, let directory { failure = try GlibcExtensions.addChangeDirectory()(&actions, directory) }
        guard failure == 0 else {
            throw CannotStart(description: "cannot set up \(executable): \(String(cString: strerror(failure)))")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        failure = fieldsync_spawn_with_default_signals(&attributes)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        if failure == 0 { failure = posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard failure == 0 else {
            throw CannotStart(description: "cannot start \(executable): \(String(cString: strerror(failure)))")
        }
        self.pid = pid
    }

    /// Whether the process still runs (one that has ended is reaped here).
    var isRunning: Bool { termination == nil }

    /// How the process ended; nil while it runs.
    var termination: Termination? { lock.withLock { reap(blocking: false) } }

    /// Sends `signal` unless the process has ended; whether it was sent.
    @discardableResult
    func signal(_ signal: Int32) -> Bool {
        lock.withLock {
            guard reap(blocking: false) == nil else { return false }
            return kill(pid, signal) == 0
        }
    }

    /// Waits for the process to end on a thread of its own: a blocked thread of Swift's
    /// cooperative pool, or of Dispatch's (which adds threads about once a second), would
    /// hold up other tests.
    func waitUntilExit() async -> Termination {
        if let termination { return termination }
        return await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.waitBlocking()) }.start()
        }
    }

    private func waitBlocking() -> Termination {
        // Waits without reaping (WNOWAIT) and outside the lock, so that `isRunning` and
        // `signal` do not wait meanwhile; then reaps under the lock, at once (the child has ended).
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
        return lock.withLock { reap(blocking: true)! }
    }

    /// How the process ended, reaping it if it has ended since; nil while it runs (only
    /// when not `blocking`). Called with `lock` held.
    private func reap(blocking: Bool) -> Termination? {
        if let reaped { return reaped }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, blocking ? 0 : WNOHANG) } while result == -1 && errno == EINTR
        if result == 0 { return nil }
        // Only this object reaps `pid`: anything else is a bug, which waiting longer would hide.
        precondition(result == pid, "waitpid(\(pid)) failed: \(String(cString: strerror(errno)))")
        let signal = status & 0x7f
        reaped = signal == 0 ? .exited(status: (status >> 8) & 0xff) : .signaled(signal)
        return reaped
    }

    deinit {
        // Reaped in the background, so that a child left running (or ended unobserved)
        // does not stay a zombie until the tests end.
        guard reaped == nil else { return }
        let pid = pid
        Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        }.start()
    }
}

/// posix_spawn file actions glibc has (chdir since 2.29, closefrom since 2.34) but
/// declares only under _GNU_SOURCE, which Swift's Glibc module does not define: looked
/// up by name instead.
private enum GlibcExtensions {
    typealias AddChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static func addChangeDirectory() throws -> AddChangeDirectory {
        unsafeBitCast(try symbol("posix_spawn_file_actions_addchdir_np", since: "2.29"), to: AddChangeDirectory.self)
    }

    static func addCloseFrom() throws -> AddCloseFrom {
        unsafeBitCast(try symbol("posix_spawn_file_actions_addclosefrom_np", since: "2.34"), to: AddCloseFrom.self)
    }

    private static func symbol(_ name: String, since version: String) throws -> UnsafeMutableRawPointer {
        // A nil handle is RTLD_DEFAULT: every library loaded.
        guard let symbol = dlsym(nil, name) else {
            throw SpawnedProcess.CannotStart(
                description: "\(name) is missing: the tests need glibc \(version) or later")
        }
        return symbol
    }
}
