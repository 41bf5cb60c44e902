import CFieldSyncSQLite
import FieldSyncCore
import Foundation
import GRDB
import GRDBSQLite

/// A device's replica: one SQLite file holding the manager's records in plain
/// tables, and beside them the versions, pending edits and clock that sync needs.
///
/// Not thread-safe: one `Replica` belongs to one task. Several processes may
/// open the same file; every write runs in an immediate transaction that
/// reloads the clock and counters first, so they never hand out the same version.
public final class Replica {
    public static let formatName = "fieldsync-replica"
    /// 2 added `fs_rejected`; a format-1 file is upgraded when opened.
    public static let formatVersion = 2

    public let path: String
    public let schema: Schema
    public let replicaID: ReplicaID
    public let managerID: String?
    let database: DatabaseQueue
    var clock: HybridLogicalClock
    /// The device's own clock; `clock` runs `clockOffsetMillis` behind it when
    /// the service found the device's clock ahead (see `adjustClock`).
    let deviceWallClock: HybridLogicalClock.WallClock
    /// How far ahead of the service this device's clock was found (0: not ahead), as saved in the replica.
    public internal(set) var clockOffsetMillis: UInt64
    /// The local change counter of the open write transaction.
    package internal(set) var transactionSeq: Int64 = 0
    /// Whether the open write transaction changed a record (only then does the counter move).
    var transactionChanged = false
    /// Runs in every write transaction that takes a new change counter, just
    /// before it commits, with that counter: the service indexes what the
    /// transaction changed, whichever of its paths made the change.
    package var beforeCommittingChange: ((Database, Int64) throws -> Void)?
    /// Whether outside edits the schema refused are still queued: a write of
    /// such a field by FieldSync supersedes them.
    var refusedCapturesRemain = false

    private init(
        path: String, schema: Schema, database: DatabaseQueue, replicaID: ReplicaID, managerID: String?,
        maxDriftMillis: UInt64, wallClock: @escaping HybridLogicalClock.WallClock, clockOffsetMillis: UInt64
    ) {
        self.path = path
        self.schema = schema
        self.database = database
        self.replicaID = replicaID
        self.managerID = managerID
        self.deviceWallClock = wallClock
        self.clockOffsetMillis = clockOffsetMillis
        self.clock = Self.makeClock(
            last: .zero, maxDriftMillis: maxDriftMillis, wallClock: wallClock, offset: clockOffsetMillis)
    }

    static func makeClock(
        last: HybridTimestamp, maxDriftMillis: UInt64, wallClock: @escaping HybridLogicalClock.WallClock, offset: UInt64
    ) -> HybridLogicalClock {
        guard offset > 0 else {
            return HybridLogicalClock(last: last, maxDriftMillis: maxDriftMillis, wallClock: wallClock)
        }
        return HybridLogicalClock(last: last, maxDriftMillis: maxDriftMillis) {
            let wall = wallClock()
            return wall > offset ? wall - offset : 0
        }
    }

    /// Creates a new replica file. Fails if `path` already exists.
    public static func create(
        at path: String, managerID: String?, replicaID: ReplicaID = .random(), schema: Schema = .default,
        maxDriftMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis,
        wallClock: @escaping HybridLogicalClock.WallClock = SystemWallClock.millisecondsSinceEpoch
    ) throws -> Replica {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ReplicaError(.replicaExists, "\(path) already exists; open it, or choose another path with --replica")
        }
        if let managerID, !ManagerID.isValid(managerID) {
            throw ReplicaError(.wrongType, "a manager id must be \(ManagerID.rule)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ReplicaError(
                    .io, "cannot create the directory \(directory) for the replica: \(error.localizedDescription)")
            }
        }
        // Customers' data and the access token: for this user only. SQLite
        // gives the WAL and shared-memory files the database file's mode.
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw ReplicaError(
                .io, "cannot create the replica \(path): check the directory's permissions and free space")
        }
        let database = try storageCall { try DatabaseQueue(path: path, configuration: configuration()) }
        try storageCall {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try database.write { db in
                for statement in ReplicaLayout.statements(for: schema) {
                    try db.execute(sql: statement)
                }
                let meta: [(String, String)] =
                    [
                        ("format", formatName), ("format_version", String(formatVersion)),
                        ("schema_version", String(schema.version)), ("replica_id", replicaID.description),
                        ("clock", HybridTimestamp.zero.description), ("seq", "0"),
                    ] + (managerID.map { [("manager_id", $0)] } ?? [])
                for (key, value) in meta {
                    try db.execute(sql: "INSERT INTO fs_meta(key, value) VALUES (?, ?)", arguments: [key, value])
                }
            }
        }
        return Replica(
            path: path, schema: schema, database: database, replicaID: replicaID, managerID: managerID,
            maxDriftMillis: maxDriftMillis, wallClock: wallClock, clockOffsetMillis: 0)
    }

    /// Opens an existing replica file.
    public static func open(
        at path: String, schema: Schema = .default,
        maxDriftMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis,
        wallClock: @escaping HybridLogicalClock.WallClock = SystemWallClock.millisecondsSinceEpoch
    ) throws -> Replica {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ReplicaError(.notAReplica, "no replica at \(path); create one with `fieldsync init`")
        }
        let database: DatabaseQueue
        let meta: [String: String]
        do {
            database = try DatabaseQueue(path: path, configuration: configuration())
            meta = try database.read { db -> [String: String] in
                guard try db.tableExists("fs_meta") else { return [:] }
                return try Dictionary(
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM fs_meta").map {
                        ($0["key"] as String, $0["value"] as String)
                    })
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw ReplicaError.notAReplica(path, "not an SQLite database")
        } catch let error as DatabaseError {
            throw ReplicaError.storage(error)
        }
        guard meta["format"] == formatName else {
            throw ReplicaError.notAReplica(path, "it has no FieldSync metadata")
        }
        restrictToOwner(path)
        if meta["format_version"] == "1" {
            try storageCall { try database.write { db in try ReplicaLayout.upgradeFromFormat1(db) } }
        } else if meta["format_version"] != String(formatVersion) {
            throw ReplicaError(
                .notAReplica,
                "\(path) uses replica format \(meta["format_version"] ?? "?"); this fieldsync reads format \(formatVersion)"
            )
        }
        guard meta["schema_version"] == String(schema.version) else {
            throw ReplicaError(
                .schemaVersion,
                "\(path) holds records of schema version \(meta["schema_version"] ?? "?"); this fieldsync knows version \(schema.version)"
            )
        }
        guard let replicaID = meta["replica_id"].flatMap({ ReplicaID(hex: $0) }) else {
            throw ReplicaError.notAReplica(path, "its replica id is missing")
        }
        let replica = Replica(
            path: path, schema: schema, database: database, replicaID: replicaID, managerID: meta["manager_id"],
            maxDriftMillis: maxDriftMillis, wallClock: wallClock,
            clockOffsetMillis: meta[SyncKey.clockOffset.rawValue].flatMap { UInt64($0) } ?? 0)
        try replica.absorbCapturedWrites()
        return replica
    }

    /// WAL with synchronous=NORMAL: a commit survives a crash of the app, and
    /// at worst the last commits are lost on power failure, never corrupted.
    /// A 32 MiB page cache keeps a manager's whole book hot during a merge,
    /// and bounds what a device's first sync of a large book holds in memory.
    /// Checkpoints (each one two fsyncs) wait for 32 MiB of WAL rather than
    /// SQLite's 4: a page of a first sync writes more than 4, and checkpointing
    /// after each was a quarter of the device's time.
    public static let pragmas = [
        "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -32768", "PRAGMA wal_autocheckpoint = 8192",
    ]

    /// Makes every later commit durable against power failure too
    /// (`synchronous = FULL`: the log is synced at each commit), for the
    /// service's central copy: a device that got an answer for its push no
    /// longer keeps those changes.
    public func syncEveryCommit() throws {
        try storageCall {
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
    }

    static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            for pragma in pragmas { try db.execute(sql: pragma) }
            // FieldSync validates every value against the schema before writing
            // (stricter than the tables' CHECKs, which guard other programs'
            // plain SQL), and skipping the CHECKs halves a merge's cost. Set once
            // per connection: setting it expires every compiled statement.
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            // The capture triggers are for other programs' plain-SQL writes.
            guard let connection = db.sqliteConnection,
                fieldsync_sqlite_enable_triggers(connection, 0) == SQLITE_OK
            else { throw ReplicaError(.storage, "cannot turn off capture triggers for FieldSync's own connection") }
        }
        return configuration
    }

    // MARK: - Metadata

    /// A free-form setting kept in the replica (the service URL, for instance).
    public func meta(_ key: String) throws -> String? {
        try read { db in try Self.meta(db, key) }
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try storageCall {
            try database.write { db in try Self.setMeta(db, key, value) }
        }
    }

    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, cached: "SELECT value FROM fs_meta WHERE key = ?", arguments: [key])
    }

    static func removeMeta(_ db: Database, _ key: String) throws {
        try db.execute(cached: "DELETE FROM fs_meta WHERE key = ?", arguments: [key])
    }

    static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(
            cached:
                "INSERT INTO fs_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    /// The local change counter: every record changed in this replica (by a
    /// local edit or a merge) is marked with it, so exports can start "since" a point.
    public func currentSeq() throws -> Int64 {
        try Int64(meta("seq") ?? "0") ?? 0
    }

    // MARK: - Transactions

    /// Runs `body` in one immediate transaction; the clock and counters are
    /// reloaded first and saved last, so concurrent processes stay monotonic.
    package func writeTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try storageCall {
            try database.write { db in
                let stored = try Row.fetchAll(
                    db, cached: "SELECT key, value FROM fs_meta WHERE key IN ('clock', 'seq')")
                for row in stored {
                    let value: String = row["value"]
                    if row["key"] == "clock", let last = HybridTimestamp(hex: value), last > clock.last {
                        clock.forceObserve(last)
                    } else if row["key"] == "seq" {
                        transactionSeq = (Int64(value) ?? 0) + 1
                    }
                }
                transactionChanged = false
                try absorbCaptured(db)
                let result = try body(db)
                try db.execute(
                    cached: "UPDATE fs_meta SET value = ? WHERE key = 'clock'", arguments: [clock.last.description])
                if transactionChanged {
                    try beforeCommittingChange?(db, transactionSeq)
                    try db.execute(
                        cached: "UPDATE fs_meta SET value = ? WHERE key = 'seq'", arguments: [String(transactionSeq)])
                }
                return result
            }
        }
    }

    /// A write transaction for bookkeeping of the change counter itself
    /// (`CursorGaps`): it neither stamps outside edits nor takes a counter,
    /// so what it writes to `fs_meta` stays.
    package func writeCounterBookkeeping<T>(_ body: (Database) throws -> T) throws -> T {
        try storageCall { try database.write(body) }
    }

    /// Makes the open write transaction take a new change counter even if no record changed.
    package func markChanged() { transactionChanged = true }

    /// Whether the open write transaction has changed a record so far (such as
    /// outside edits it stamped before its body ran).
    package var hasChangedInTransaction: Bool { transactionChanged }

    /// Reads in one snapshot (a deferred transaction). Not GRDB's `read`: its
    /// read-only guard sets `PRAGMA query_only`, and setting a pragma expires
    /// every statement compiled on the connection; recompiling them all after
    /// each read cost the service a third of its time under load.
    package func read<T>(_ body: (Database) throws -> T) throws -> T {
        try storageCall {
            try database.inDatabase { db in
                var result: T?
                try db.inTransaction(.deferred) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }
}

/// Maps SQLite's errors to `ReplicaError`; FieldSync's own errors pass through.
func storageCall<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DatabaseError {
        throw ReplicaError.storage(error)
    }
}
