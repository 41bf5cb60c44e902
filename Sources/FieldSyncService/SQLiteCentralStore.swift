import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import Foundation
import GRDB
import Logging

/// The central copy in one embedded SQLite file: the records in a replica's
/// layout (so merging is the very code devices run), plus the service's log
/// and conflicts. One actor serialises every request's transaction; SQLite
/// has one writer anyway, and commit order is then change order, so a pull
/// can never skip a change committed by a concurrent push.
public actor SQLiteCentralStore: CentralStore {
    public nonisolated let schema: Schema
    public nonisolated let maxClockAheadMillis: UInt64
    private nonisolated let wallClock: HybridLogicalClock.WallClock
    let replica: Replica
    /// Checkpoints the log from a connection of its own, when running as a service.
    package nonisolated let checkpointer: WALCheckpointer?
    let logger: Logger
    /// Where tokens come from (seeded in tests, so golden files are exact).
    var random: any RandomNumberGenerator
    var syncNotes = SyncNotes()
    /// Runs the store's jobs, off the cooperative pool (see `StoreThread`).
    /// Started last in `init`: a store that fails to open leaves no thread behind.
    private nonisolated let thread: StoreThread
    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    /// How often `fieldsync-server serve` checkpoints the log in the background (`WALCheckpointer`).
    public static let serviceCheckpointInterval = Duration.milliseconds(200)

    /// Opens the store at `path`, creating it (and its directory) on first start.
    /// `backgroundCheckpoints`: how often a connection of its own copies the
    /// log into the database file, for a long-running service; nil (a command
    /// that opens the store for a moment, a test): only SQLite's own
    /// checkpoint, in the commit that fills the log.
    public init(
        path: String, schema: Schema = .default,
        maxClockAheadMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis,
        wallClock: @escaping HybridLogicalClock.WallClock = SystemWallClock.millisecondsSinceEpoch,
        replicaID: ReplicaID = .random(), random: any RandomNumberGenerator = SystemRandomNumberGenerator(),
        backgroundCheckpoints: Duration? = nil, logger: Logger
    ) throws {
        self.schema = schema
        self.maxClockAheadMillis = maxClockAheadMillis
        self.wallClock = wallClock
        self.logger = logger
        self.random = random
        let replica: Replica
        if FileManager.default.fileExists(atPath: path) {
            replica = try Self.openExisting(
                path, schema: schema, maxClockAheadMillis: maxClockAheadMillis, wallClock: wallClock)
        } else {
            replica = try Replica.create(
                at: path, managerID: nil, replicaID: replicaID, schema: schema, maxDriftMillis: maxClockAheadMillis,
                wallClock: wallClock)
        }
        // A device drops the changes the service answered for: a commit lost to a power cut would be lost for good.
        try replica.syncEveryCommit()
        try replica.writeTransaction { db in
            let created = try !db.tableExists("svc_scope_changes")
            for statement in ServiceLayout.statements(for: schema) { try db.execute(sql: statement) }
            try ScopeChanges.fillIn(db, schema, created: created)
        }
        let noteScopeChanges = ScopeChanges.note(schema)
        replica.beforeCommittingChange = { db, seq in
            try db.execute(cached: noteScopeChanges, arguments: [seq])
            try ScopeChanges.markNoted(db, through: seq)
        }
        try Self.moveCounterPastEarlierOpens(replica, now: wallClock(), logger: logger)
        self.replica = replica
        checkpointer = try backgroundCheckpoints.map { try WALCheckpointer(path: path, every: $0, logger: logger) }
        thread = StoreThread(name: "fieldsync-store")
    }

    public nonisolated func now() -> UInt64 { wallClock() }

    /// `CursorGaps`: at every open, before anything else can write, so that
    /// no transaction of a restored store reuses a counter value of the
    /// history it lost.
    private static func moveCounterPastEarlierOpens(_ replica: Replica, now: UInt64, logger: Logger) throws {
        try replica.writeCounterBookkeeping { db in
            let counter = try ScopeChanges.meta(db, "seq") ?? 0
            guard let start = CursorGaps.start(from: counter, now: now) else { return }
            try db.execute(sql: CursorGaps.recording, arguments: [counter, start - 1])
            try db.execute(sql: "UPDATE fs_meta SET value = ? WHERE key = 'seq'", arguments: [String(start)])
            try ScopeChanges.counterMoved(db, from: counter, to: start)
            logger.debug("change counter moved past earlier opens", metadata: ["from": "\(counter)", "to": "\(start)"])
        }
    }

    /// Opens a store file, refusing any other file, a device's replica
    /// included (it has no service log): taken as a store, it would quietly
    /// have become one.
    private static func openExisting(
        _ path: String, schema: Schema, maxClockAheadMillis: UInt64, wallClock: @escaping HybridLogicalClock.WallClock
    ) throws -> Replica {
        let advice = "check --data (a new store is made only where no file exists)"
        let replica: Replica
        do {
            replica = try Replica.open(
                at: path, schema: schema, maxDriftMillis: maxClockAheadMillis, wallClock: wallClock)
        } catch let error as ReplicaError where error.code == .notAReplica {
            throw ServiceError(
                .notAReplica, "\(path) is not a FieldSync central store (not a file FieldSync made); \(advice)")
        }
        guard try replica.read({ try $0.tableExists("svc_log") }) else {
            throw ServiceError(
                .notAReplica,
                "\(path) is a device's replica (made by `fieldsync init`), not a central store; \(advice)")
        }
        return replica
    }

    public func checkReady() throws { _ = try replica.read { try Int.fetchOne($0, sql: "SELECT 1") } }

    /// Stops the background checkpoints; the file closes with the store.
    public func close() { checkpointer?.stop() }

    deinit { thread.stop() }

    public func digest(for caller: Manager) throws -> (digest: String, rows: Int) {
        let scope = Scope(caller, schema: schema)
        return try replica.read { db in try Replica.digest(db, schema: schema, where: { scope.records($0).sqlite }) }
    }

    public func pull(after cursor: PullCursor, limit: Int, for caller: Manager) throws -> PullResponse {
        let scope = Scope(caller, schema: schema)
        var page = PullPage(limit: limit)
        let response = try replica.read { db in
            let committed =
                try Int64(String.fetchOne(db, cached: "SELECT value FROM fs_meta WHERE key = 'seq'") ?? "0") ?? 0
            try PullPage.checkCursor(cursor, committed: committed, skipped: CursorGaps.isLost(db, cursor))
            for (tableIndex, table) in schema.tables.enumerated() {
                let after = PullPage.after(cursor, tableIndex: tableIndex)
                var condition = after.sql
                var arguments: StatementArguments = [after.seq]
                if let rowID = after.rowID { arguments += [rowID] }
                if let bound = page.bound {
                    condition += " AND c.seq <= ?"
                    arguments += [bound]
                }
                var walk = Replica.Walk.bySeq
                if let narrowing = ScopeChanges.narrowing(for: scope) {
                    condition += " AND \(narrowing.sql)"
                    arguments += narrowing.statementArguments + [after.seq]
                    walk = .bySeqIn(ScopeChanges.source)
                }
                let inScope = scope.records(table, alias: "t", rowByRow: true)
                var rows: [(seq: Int64, record: FieldSyncReplica.Record)] = []
                // The limit is bound, not spliced in: each SQL text stays compiled for the connection's life.
                try Replica.forEachRecord(
                    db, table, where: "\(condition) AND \(inScope.sql)",
                    arguments: arguments + inScope.statementArguments + [page.rowsToRead],
                    orderBy: "\(walk.seqColumn), c.id LIMIT ?", walk: walk
                ) { record, seq in rows.append((seq, record)) }
                page.add(rows, tableIndex: tableIndex)
            }
            let through = page.next(committed: committed).seq
            return page.response(
                schema: schema, committed: committed,
                removed: try removedCustomers(db, scope, after: cursor, through: through),
                removedRecords: try removedRecords(db, scope, after: cursor, through: through),
                serverTimeMillis: now())
        }
        if !response.more, syncNotes.isDue(for: caller.id, at: response.serverTimeMillis) {
            try replica.writeTransaction { db in try noteSync(db, of: caller, at: response.serverTimeMillis) }
        }
        return response
    }

    /// Customers reassigned in transactions `(after, through]` that the caller
    /// no longer sees: their device drops them (and their records). A page may
    /// repeat one the previous page named; dropping twice does nothing.
    func removedCustomers(_ db: Database, _ scope: Scope, after cursor: PullCursor, through seq: Int64) throws
        -> [String]
    {
        guard let query = scope.removedCustomers() else { return [] }
        return try String.fetchAll(
            db, cached: query.sql, arguments: [cursor.completeThrough, seq] + query.statementArguments)
    }

    /// Records moved in transactions `(after, through]` from a customer the
    /// caller saw, and that the caller no longer sees (`RecordMove`).
    func removedRecords(_ db: Database, _ scope: Scope, after cursor: PullCursor, through seq: Int64) throws
        -> [RecordRef]
    {
        guard let query = scope.removedRecords() else { return [] }
        return try Row.fetchAll(
            db, cached: query.sql, arguments: [cursor.completeThrough, seq] + query.statementArguments
        ).map { RecordRef(table: $0[0], rowID: $0[1]) }
    }

}
