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
    let logger: Logger
    /// Where tokens come from (seeded in tests, so golden files are exact).
    var random: any RandomNumberGenerator
    /// When each manager's last sync was last written, so a pull writes it at most once a minute.
    var syncNoted: [String: UInt64] = [:]

    /// Opens the store at `path`, creating it (and its directory) on first start.
    public init(
        path: String, schema: Schema = .default,
        maxClockAheadMillis: UInt64 = HybridLogicalClock.defaultMaxDriftMillis,
        wallClock: @escaping HybridLogicalClock.WallClock = SystemWallClock.millisecondsSinceEpoch,
        replicaID: ReplicaID = .random(), random: any RandomNumberGenerator = SystemRandomNumberGenerator(),
        logger: Logger
    ) throws {
        self.schema = schema
        self.maxClockAheadMillis = maxClockAheadMillis
        self.wallClock = wallClock
        self.logger = logger
        self.random = random
        let replica: Replica
        if FileManager.default.fileExists(atPath: path) {
            replica = try Replica.open(at: path, schema: schema, maxDriftMillis: maxClockAheadMillis, wallClock: wallClock)
        } else {
            replica = try Replica.create(
                at: path, managerID: nil, replicaID: replicaID, schema: schema, maxDriftMillis: maxClockAheadMillis,
                wallClock: wallClock)
        }
        try replica.writeTransaction { db in
            for statement in ServiceLayout.statements(for: schema) { try db.execute(sql: statement) }
        }
        self.replica = replica
    }

    public nonisolated func now() -> UInt64 { wallClock() }

    public func digest(for caller: Manager) throws -> (digest: String, rows: Int) {
        let scope = Scope(caller, schema: schema)
        return try replica.read { db in try Replica.digest(db, schema: schema, where: { scope.records($0) }) }
    }

    public func pull(after cursor: PullCursor, limit: Int, for caller: Manager) throws -> PullResponse {
        let limit = max(1, limit)
        let scope = Scope(caller, schema: schema)
        let page = try replica.read { db in
            let committed = try Int64(String.fetchOne(db, cached: "SELECT value FROM fs_meta WHERE key = 'seq'") ?? "0") ?? 0
            guard cursor.seq <= committed else {
                // A cursor from another service, or from before this store was replaced.
                throw ServiceError(
                    .unknownCursor,
                    "the cursor is ahead of everything this service holds (it comes from another service or one that was reset); pull again from the start (after=0)"
                )
            }
            var found: [(seq: Int64, tableIndex: Int, record: FieldSyncReplica.Record)] = []
            for (tableIndex, table) in schema.tables.enumerated() {
                var (condition, arguments) = Self.after(cursor, tableIndex: tableIndex)
                if found.count > limit, let last = found.last {
                    // The page is full up to `last`: later tables' rows after it cannot make it in.
                    condition += " AND c.seq <= ?"
                    arguments += [last.seq]
                }
                let inScope = scope.records(table, alias: "t", rowByRow: true)
                // The limit is bound, not spliced in: each SQL text stays compiled for the connection's life.
                try Replica.forEachRecord(
                    db, table, where: "\(condition) AND \(inScope.sql)",
                    arguments: arguments + inScope.arguments + [limit + 1], orderBy: "c.seq, c.id LIMIT ?", bySeq: true
                ) { (record: FieldSyncReplica.Record, seq: Int64) in
                    found.append((seq, tableIndex, record))
                }
                // The page so far, and one row more (to know whether more follow), in (seq, table, id) order.
                found.sort { ($0.seq, $0.tableIndex, $0.record.id) < ($1.seq, $1.tableIndex, $1.record.id) }
                if found.count > limit + 1 { found.removeLast(found.count - limit - 1) }
            }
            let more = found.count > limit
            let page = found.prefix(limit)
            var changes: [FieldChange] = []
            for entry in page {
                for field in entry.record.versionedFields {
                    changes.append(
                        FieldChange(
                            table: entry.record.table.name, rowID: entry.record.id, column: field.column,
                            value: field.value, version: field.version))
                }
            }
            let next: PullCursor
            if more, let last = page.last {
                next = PullCursor(seq: last.seq, position: (last.tableIndex, last.record.id))
            } else {
                next = PullCursor(seq: committed)
            }
            return PullResponse(
                changeSet: ChangeSet(schemaVersion: schema.version, changes: changes), cursor: next, more: more,
                removed: try removedCustomers(db, scope, after: cursor, through: more ? next.seq : committed),
                serverTimeMillis: now())
        }
        // The report's "last sync" needs minutes, not a commit per pull (devices pull after every push).
        if !page.more, page.serverTimeMillis >= (syncNoted[caller.id] ?? 0) + 60_000 {
            try replica.writeTransaction { db in try noteSync(db, of: caller, at: page.serverTimeMillis) }
        }
        return page
    }

    /// Customers reassigned in transactions `(after, through]` that the caller
    /// no longer sees: their device drops them (and their records). A page may
    /// repeat one the previous page named; dropping twice does nothing.
    func removedCustomers(_ db: Database, _ scope: Scope, after cursor: PullCursor, through seq: Int64) throws -> [String] {
        guard !scope.seesEverything else { return [] }
        // Only customers that were the caller's: others' reassignments are none of their business.
        let previously = scope.owns("r.from_owner")
        let now = scope.owns("c.\(ReplicaLayout.quote(scope.ownerColumn))")
        return try String.fetchAll(
            db,
            cached: """
                SELECT DISTINCT r.customer FROM svc_reassignments r
                JOIN \(ReplicaLayout.quote(scope.ownerTable.name)) c ON c.id = r.customer
                WHERE r.seq > ? AND r.seq <= ? AND \(previously.sql) AND NOT (\(now.sql)) ORDER BY r.customer
                """, arguments: [cursor.completeThrough, seq] + previously.arguments + now.arguments)
    }

    /// Rows of table number `tableIndex` that come after `cursor` in (seq, table, id) order.
    static func after(_ cursor: PullCursor, tableIndex: Int) -> (String, StatementArguments) {
        guard let position = cursor.position else { return ("c.seq > ?", [cursor.seq]) }
        if tableIndex > position.tableIndex { return ("c.seq >= ?", [cursor.seq]) }
        if tableIndex < position.tableIndex { return ("c.seq > ?", [cursor.seq]) }
        // A row value, so the (seq, id) index starts right there and the page reads only its own rows.
        return ("(c.seq, c.id) > (?, ?)", [cursor.seq, position.rowID])
    }
}
