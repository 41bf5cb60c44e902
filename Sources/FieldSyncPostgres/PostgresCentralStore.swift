import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import Logging
import PostgresNIO
import Synchronization

/// The central copy in PostgreSQL, for any number of service instances at
/// once: each instance is stateless (every fact lives in the database) and
/// every method is one transaction.
///
/// Change order: a pull pages by `seq`, the counter of the transaction that
/// last changed a record. In PostgreSQL a counter handed out early can commit
/// late, so a reader could see seq 8 while 7 is still in flight and never go
/// back for it. Here the counter is not a sequence: it is the `seq` column of
/// the one `svc_state` row, and a transaction takes it by updating that row,
/// as its last step before committing (after reading, locking and deciding;
/// a push takes it inside its COMMIT: `PostgresLayout.counterAtCommit`).
/// The row lock is held until commit, so transactions that change records
/// commit in counter order: whoever reads counter N sees every transaction
/// up to N, and none after.
///
/// Not an actor: requests run at once, each on a connection of its own, and
/// PostgreSQL's locks order them. Only the small memory below is shared.
public final class PostgresCentralStore: CentralStore {
    public let schema: Schema
    public let maxClockAheadMillis: UInt64
    let wallClock: HybridLogicalClock.WallClock
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger: Logger
    let target: PostgresTarget
    let connectionWait: Duration
    /// The last look at why no connection came (`diagnosed`), and when it ended.
    let lastDiagnosis = Mutex<(look: Task<PostgresConnectionFailure?, Never>, ended: ContinuousClock.Instant?)?>(nil)
    /// Where tokens come from (seeded in tests, so golden files are exact).
    let random: Mutex<any RandomNumberGenerator>
    let syncNotes = Mutex(SyncNotes())
    /// Managers' branches as read so far; a manager's branch never changes.
    let branches = Mutex<[String: String]>([:])

    /// Connects to PostgreSQL and brings its tables up to date (creating them
    /// on first start; `replicaID` is the service's replica id then). Call
    /// `close()` when done. `connectionWait`: how long a request waits for a
    /// connection before it fails (`leasing`).
    public init(
        target: PostgresTarget, schema: Schema = .default,
        maxClockAheadMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis,
        wallClock: @escaping HybridLogicalClock.WallClock = SystemWallClock.millisecondsSinceEpoch,
        replicaID: ReplicaID = .random(), random: sending any RandomNumberGenerator = SystemRandomNumberGenerator(),
        connectionWait: Duration = defaultConnectionWait, logger: Logger
    ) async throws {
        self.schema = schema
        self.maxClockAheadMillis = maxClockAheadMillis
        self.wallClock = wallClock
        self.logger = logger
        self.random = Mutex(random)
        self.target = target
        self.connectionWait = connectionWait
        if target.unencryptedOverNetwork {
            logger.warning(
                "the link to PostgreSQL at \(target.location) is not encrypted (sslmode=disable): customers' data and the password cross the network readable; use TLS unless the link is private"
            )
        }
        // Said at once, with the reason: the pool would retry quietly for a minute.
        if let failure = await PostgresConnectionFailure.probe(target, logger: logger) {
            throw failure.error(at: target.location)
        }
        // The pool's own chatter (for one, a lease asked for before `run()` got going) is no operator's concern.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: target.pool, backgroundLogger: poolLogger)
        self.client = client
        running = Task { await client.run() }
        do {
            try await migrate(replicaID: replicaID)
        } catch {
            running.cancel()
            await running.value
            throw error
        }
    }

    /// What to check when no connection can be made. (The pool retries
    /// quietly, and a refused certificate looks to it like a server down.)
    static let connectionAdvice =
        "check that it runs, that the URL (host, port, user, database) is right and, with TLS, that the server's certificate is trusted (sslrootcert=PATH) and names that host (connect by the name it has, or use sslmode=verify-ca)"

    /// Closes the store's connections.
    public func close() async {
        running.cancel()
        await running.value
    }

    public func now() -> UInt64 { wallClock() }

    /// Ready when a statement runs within a second, or PostgreSQL takes
    /// connections though the pool is busy: every instance shares the
    /// database, and a balancer taking them all out of rotation helps no one.
    public func checkReady() async throws {
        do {
            _ = try await statement(wait: .seconds(1)) { try await $0.run("SELECT 1", logger: logger) }
        } catch {
            guard await diagnosed() == nil else { throw error }
        }
    }

    /// Applies the migrations not applied yet, one transaction holding an
    /// advisory lock, so instances starting at once apply each exactly once.
    private func migrate(replicaID: ReplicaID) async throws {
        try await transaction { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(?)", [.integer(Self.migrationLock)], logger: logger)
            try await connection.run(
                "CREATE TABLE IF NOT EXISTS svc_migrations(version integer PRIMARY KEY, applied_at bigint NOT NULL)",
                logger: logger)
            let applied =
                try await connection.rows("SELECT coalesce(max(version), 0) FROM svc_migrations", logger: logger)
                .first.map { try $0[0].decode(Int.self) } ?? 0
            let migrations = PostgresLayout.migrations(for: schema)
            guard applied <= migrations.count else {
                throw ServiceError(
                    .storage,
                    "the PostgreSQL store at \(target.location) was upgraded by a newer release (its layout is at migration \(applied); this fieldsync-server knows \(migrations.count)): run that release or a later one"
                )
            }
            for (index, statements) in migrations.enumerated() where index + 1 > applied {
                for statement in statements { try await connection.run(statement, logger: logger) }
                try await connection.run(
                    "INSERT INTO svc_migrations(version, applied_at) VALUES (?, ?)",
                    [.integer(Int64(index + 1)), .integer(Int64(now()))], logger: logger)
            }
            try await connection.run(
                "INSERT INTO svc_state(id, seq, clock, replica) VALUES (1, 0, 0, ?) ON CONFLICT DO NOTHING",
                [.integer(Version(timestamp: .zero, replica: replicaID).storedReplica)], logger: logger)
            try await PostgresScopeChanges.fillIn(connection, schema, logger: logger)
            try await moveCounterPastEarlierOpens(connection)
            if applied < migrations.count {
                logger.info("store migrated", metadata: ["from": "\(applied)", "to": "\(migrations.count)"])
            }
        }
    }

    /// `CursorGaps`: at every open, under the migration lock, so that no
    /// transaction of a restored store reuses a counter value of the history
    /// it lost.
    private func moveCounterPastEarlierOpens(_ connection: PostgresConnection) async throws {
        let counter =
            try await connection.value(Int64.self, "SELECT seq FROM svc_state WHERE id = 1 FOR UPDATE", logger: logger)
            ?? 0
        guard let start = CursorGaps.start(from: counter, now: now()) else { return }
        try await connection.run(CursorGaps.recording, [.integer(counter), .integer(start - 1)], logger: logger)
        // The index of scope changes stays complete through the new counter: nothing committed in between.
        try await connection.run(
            "UPDATE svc_state SET seq = ?, \(PostgresScopeChanges.advancingMark(to: "?"))",
            [.integer(start), .integer(start)], logger: logger)
        logger.debug("change counter moved past earlier opens", metadata: ["from": "\(counter)", "to": "\(start)"])
    }

    /// The advisory lock key migrations hold ("fsmigr" in ASCII).
    package static let migrationLock: Int64 = 0x6673_6d69_6772

    // MARK: Transactions

    /// Runs `body` in one transaction: read committed for writes (they lock
    /// what they change), a read-only snapshot for reads. Retries and
    /// errors as `statement`'s.
    func transaction<T: Sendable>(
        readOnly: Bool = false, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await statement { connection in
            try await connection.run(
                readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.run("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.run("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Runs `body` on a connection without a transaction around it: for one
    /// statement, which PostgreSQL runs as a transaction of its own (no BEGIN
    /// and COMMIT round trips). A deadlock or a serialization failure is
    /// retried; any other database failure becomes a `storage` error that
    /// names what failed but no customer data.
    func statement<T: Sendable>(
        wait: Duration? = nil, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await leasing(wait: wait ?? connectionWait, body)
            } catch let error as NoConnection {
                throw await unreachable(error, waited: wait ?? connectionWait)
            } catch is ConnectionClosed {
                throw ServiceError(
                    .storage,
                    "the connection to PostgreSQL at \(target.location) closed under the request (PostgreSQL restarted, or ended the session); retry")
            } catch let error as PSQLError {
                let state = error.serverInfo?[.sqlState]
                // 40P01 deadlock, 40001 serialization failure: the transaction may simply run again.
                if attempt < 5, state == "40P01" || state == "40001" {
                    attempt += 1
                    continue
                }
                // Class 22 (data exceptions) may quote a value, that is customer data: only the state then.
                let message = state?.hasPrefix("22") == true ? nil : error.serverInfo?[.message]
                throw ServiceError(
                    .storage,
                    "the PostgreSQL store at \(target.location) failed (SQLSTATE \(state ?? "none"): \(message ?? "\(error.code)")); check that the database is up and reachable"
                )
            } catch let error where !(error is any FieldSyncError) && !(error is CancellationError) {
                // Not the database's (a value that did not decode, say): its type alone, which quotes no data.
                throw ServiceError(
                    .storage, "the PostgreSQL store at \(target.location) failed (\(String(reflecting: type(of: error))))")
            }
        }
    }
}
