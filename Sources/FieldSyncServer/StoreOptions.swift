import ArgumentParser
import FieldSyncCore
import FieldSyncPostgres
import FieldSyncService
import Foundation
import Logging

/// The store every `fieldsync-server` command works on: an SQLite file, or
/// a PostgreSQL database that several `serve` instances share.
struct StoreOptions: ParsableArguments {
    @Option(
        help:
            "The central store's SQLite file (else $FIELDSYNC_SERVER_DATA, else $XDG_DATA_HOME/fieldsync-server/central.db); serve and manager add create it where no file exists."
    )
    var data: String?

    @Option(
        help: ArgumentHelp(
            "The central store in PostgreSQL instead, as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (else $FIELDSYNC_POSTGRES); its tables are created on first start.",
            valueName: "url"))
    var postgres: String?

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The PostgreSQL URL, given or from the environment; nil: SQLite.
    var postgresURL: String? {
        if let postgres, !postgres.isEmpty { return postgres }
        if data == nil, let url = environment["FIELDSYNC_POSTGRES"], !url.isEmpty { return url }
        return nil
    }

    var path: String { DataLocation.resolve(explicit: data, environment: environment) }

    /// Where the store is, for logs: the file, or the URL without its password.
    var location: String { postgresURL.map(PostgresURL.redacted) ?? path }

    func validate() throws {
        if data != nil && postgres != nil {
            throw ValidationError("--data and --postgres name two stores; give one")
        }
    }

    /// `serving`: for `serve`, a long-running service (the SQLite store checkpoints its log in the background).
    func open(
        maxClockAheadMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis, serving: Bool = false, logger: Logger
    ) async throws -> any CentralStore {
        if let url = postgresURL {
            return try await PostgresCentralStore(
                target: try PostgresTarget(url: url), maxClockAheadMillis: maxClockAheadMillis,
                logger: logger)
        }
        let path = path
        // A bare file name (`--data central.db`) is in the current directory, which exists.
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return try SQLiteCentralStore(
            path: path, maxClockAheadMillis: maxClockAheadMillis,
            backgroundCheckpoints: serving ? SQLiteCentralStore.serviceCheckpointInterval : nil, logger: logger)
    }

    /// For the administration commands: opens the store, does one thing,
    /// closes it; any error ends the command. Only `creating` (adding a
    /// manager, the first step of setting a service up) makes an SQLite store
    /// where there is none: a mistyped `--data` for any other command would
    /// otherwise make an empty store and report an empty service.
    func withStore<T>(creating: Bool = false, _ body: (any CentralStore) async throws -> T) async -> T {
        var logger = Logger(label: "fieldsync-server")
        logger.logLevel = .warning
        if !creating, postgresURL == nil, !FileManager.default.fileExists(atPath: path) {
            ServerOutput.fail(
                ServiceError(
                    .io,
                    "no central store at \(path): check --data (or $FIELDSYNC_SERVER_DATA); `fieldsync-server manager add` or `serve` creates one"
                ))
        }
        let store: any CentralStore
        do { store = try await open(logger: logger) } catch { ServerOutput.fail(error) }
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            ServerOutput.fail(error)
        }
    }
}
