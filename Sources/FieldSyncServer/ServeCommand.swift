import ArgumentParser
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `fieldsync-server serve`: runs the service until SIGINT or SIGTERM, then
/// finishes the requests in flight and stops.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the sync service (on embedded SQLite, or on PostgreSQL with --postgres).",
        discussion: """
            Logs go to standard error, one line per request, never a field's value. The environment
            variable LOG_LEVEL sets how much: \(levels) (default info).
            """)

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port, printed at start).") var port = 8080
    @OptionGroup var storage: StoreOptions
    @Option(help: "How far ahead of this server's clock (seconds, 1 to 86400) a change's timestamp may be.")
    var maxClockAhead: UInt64 = HybridLogicalClock.defaultMaxDriftMillis / 1000
    @Option(help: "The largest request body accepted, in bytes (after gzip decoding).")
    var maxBodyBytes = 8 * 1024 * 1024
    @Option(help: "Seconds a connection may stay open without a request before the server closes it.")
    var idleTimeout = Int(ServerConfiguration.defaultIdleTimeout.components.seconds)
    @Option(
        help:
            "The most connections open at once; more wait until one closes. Keep it under the open-file limit (ulimit -n)."
    )
    var maxConnections = ServerConfiguration.defaultMaxConnections
    /// The previous version's tokenless mode, kept only to say it is gone.
    @Flag(help: .hidden) var open = false

    func validate() throws {
        guard (0...65_535).contains(port) else {
            throw ValidationError("--port must be from 0 to 65535 (0: any free port), not \(port)")
        }
        guard (1024...(1 << 30)).contains(maxBodyBytes) else {
            throw ValidationError("--max-body-bytes must be from 1024 to 1073741824 (1 GiB), not \(maxBodyBytes)")
        }
        // Above the client's 60 s, or a request could go out on a connection the server is closing.
        guard (61...86_400).contains(idleTimeout) else {
            throw ValidationError(
                "--idle-timeout must be from 61 seconds (above the client's 60) to 86400, not \(idleTimeout)")
        }
        // A day is far beyond any clock a device should have; larger values also overflow in milliseconds.
        guard (1...86_400).contains(maxClockAhead) else {
            throw ValidationError("--max-clock-ahead must be from 1 to 86400 seconds (a day), not \(maxClockAhead)")
        }
        guard maxConnections >= 1 else {
            throw ValidationError("--max-connections must be at least 1, not \(maxConnections)")
        }
        _ = try Self.logLevel(ProcessInfo.processInfo.environment)
    }

    private static let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")

    static func logLevel(_ environment: [String: String]) throws -> Logger.Level {
        guard let text = environment["LOG_LEVEL"] else { return .info }
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError(
                "LOG_LEVEL is \(text); it must be one of \(levels)"
            )
        }
        return level
    }

    func run() async throws {
        var logger = Logger(label: "fieldsync-server")
        logger.logLevel = try Self.logLevel(ProcessInfo.processInfo.environment)
        guard !open else {
            ServerOutput.fail(
                ServiceError(
                    .badArgument,
                    "--open is gone: every request needs a token. Add managers (fieldsync-server manager add) and issue their tokens (fieldsync-server token issue)"
                ))
        }
        let store: any CentralStore
        do {
            store = try await storage.open(maxClockAheadMillis: maxClockAhead * 1000, serving: true, logger: logger)
            if try await store.managers().isEmpty {
                logger.warning(
                    "no managers yet, so every request will be refused: add one with `fieldsync-server manager add` and issue a token with `fieldsync-server token issue`"
                )
            }
        } catch {
            ServerOutput.fail(error)
        }
        let metrics = ServiceMetrics()
        let host = host
        let runningLogger = logger
        let location = storage.location
        let application = SyncServer.application(
            store: store,
            configuration: ServerConfiguration(
                host: host, port: port, maxBodyBytes: maxBodyBytes, idleTimeout: .seconds(idleTimeout),
                maxConnections: maxConnections),
            metrics: metrics, logger: logger,
            onRunning: { port in
                // One line on standard output, for scripts that started the server on port 0.
                FileHandle.standardOutput.write(Data("fieldsync-server listening on http://\(host):\(port)\n".utf8))
                runningLogger.info(
                    "listening",
                    metadata: [
                        "host": "\(host)", "port": "\(port)", "store": "\(location)",
                        "release": "\(FieldSyncRelease.version)",
                    ])
            })
        do {
            try await application.runService()
        } catch {
            await store.close()
            ServerOutput.fail(Self.listeningFailure(error, host: host, port: port) ?? error)
        }
        await store.close()
        logger.info("stopped")
    }
}

extension ServeCommand {
    /// A socket the server could not open, in words a person can act on
    /// (NIO's own text names the system call, not the fix).
    static func listeningFailure(_ error: any Error, host: String, port: Int) -> ServiceError? {
        switch error {
        case let error as IOError:
            let reason = String(cString: strerror(error.errnoCode)).lowercased()
            let fix =
                error.errnoCode == EADDRINUSE
                ? "stop what listens there, or choose another --port" : "check --host and --port"
            return ServiceError(.io, "cannot listen on \(host):\(port): \(reason); \(fix)")
        case is SocketAddressError, is SocketAddressError.UnknownHost:
            return ServiceError(
                .io,
                "cannot listen on \(host): it is not an address of this machine; use --host 127.0.0.1, or 0.0.0.0 for every one"
            )
        default:
            return nil
        }
    }
}

/// Where the central store lives when no path is given.
enum DataLocation {
    static func resolve(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let path = environment["FIELDSYNC_SERVER_DATA"], !path.isEmpty { return path }
        let dataHome =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/fieldsync-server/central.db"
    }
}

/// How the server's commands report errors: `fieldsync-server: MESSAGE [CODE]`, exit 1.
enum ServerOutput {
    static func fail(_ error: any Error) -> Never {
        let (code, message) =
            (error as? any FieldSyncError).map { ($0.code.rawValue, $0.message) }
            ?? (ErrorCode.internal.rawValue, String(describing: error))
        FileHandle.standardError.write(Data("fieldsync-server: \(message) [\(code)]\n".utf8))
        exit(1)
    }

    /// Advice for the person at the terminal, kept off standard output.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A document for scripts, as the HTTP API sends it.
    static func json(_ value: some Encodable) {
        do { print(String(decoding: try WireJSON.encode(value), as: UTF8.self)) } catch { fail(error) }
    }
}
