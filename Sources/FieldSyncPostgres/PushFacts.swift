import FieldSyncCore
import FieldSyncReplica
import FieldSyncService
import Logging
import PostgresNIO

/// What deciding a push needs, read (under the records' locks) before
/// deciding, since `PushPlan` runs without awaiting: the pushed records, the
/// customers they belong to, the managers those name, and the audit trail's
/// entries for the versions involved. Conflicts found are written after.
struct PushFacts: ScopeFacts, PushLedger {
    /// By table, then id.
    var records: [String: [String: FieldSyncReplica.Record]] = [:]
    let scope: Scope
    var branches: [String: String] = [:]
    /// Each customer's owner changes from the log, oldest first.
    var ownerHistory: [String: [(version: Version, owner: String?)]] = [:]
    /// The customer changes of records moved since an edit pushed now was made, from the log, oldest first.
    var customerHistory: [RecordRef: [(version: Version, customer: String?)]] = [:]
    var logEntries: [LogKey: LoggedVersion] = [:]
    /// The transaction that took each entry in, read only for a push that
    /// deletes (the one rule asking: `PushPlan`); nil otherwise.
    var logSeqs: [LogKey: Int64]?
    private(set) var conflicts: [(key: ConflictKey, kind: Conflict.Kind, a: Conflict.Side, b: Conflict.Side)] = []

    struct LogKey: Hashable {
        let table: String, rowID: String, column: String, version: Version
    }

    /// A log entry looked for: its key but the replica.
    struct LogProbe: Hashable {
        let rowID: String, column: String, hlc: Int64
    }

    struct ConflictKey: Hashable {
        let table: String, rowID: String, column: String, a: Version, b: Version
    }

    init(scope: Scope) { self.scope = scope }

    func branch(of manager: String) throws -> String? { branches[manager] }

    func owner(ofCustomer id: String) throws -> (owner: String?, version: Version?)? {
        guard let record = records[scope.ownerTable.name]?[id] else { return nil }
        let index = scope.ownerTable.columnIndex(scope.ownerColumn)!
        return (record.values[index].textValue, record.versions[index])
    }

    func owner(ofCustomer id: String, before version: Version) throws -> String? {
        ownerHistory[id]?.last { $0.version.timestamp < version.timestamp }?.owner
    }

    func customer(of table: TableSchema, record id: String, before version: Version) throws -> String? {
        customerHistory[RecordRef(table: table.name, rowID: id)]?.last { $0.version.timestamp < version.timestamp }?
            .customer
    }

    func logged(_ table: String, _ rowID: String, _ column: String, _ version: Version) throws -> LoggedVersion? {
        logEntries[LogKey(table: table, rowID: rowID, column: column, version: version)]
    }

    func loggedSeq(_ table: String, _ rowID: String, _ column: String, _ version: Version) throws -> Int64? {
        guard let logSeqs else {
            throw ServiceError(.storage, "a push asked for log sequence numbers that were not read (push facts)")
        }
        return logSeqs[LogKey(table: table, rowID: rowID, column: column, version: version)]
    }

    mutating func record(
        _ kind: Conflict.Kind, table: String, rowID: String, column: String, _ one: Conflict.Side,
        _ other: Conflict.Side
    ) throws {
        let (a, b) = one.version < other.version ? (one, other) : (other, one)
        let key = ConflictKey(table: table, rowID: rowID, column: column, a: a.version, b: b.version)
        guard !conflicts.contains(where: { $0.key == key }) else { return }
        conflicts.append((key, kind, a, b))
    }

    /// Writes the conflicts not known yet; returns how many. Looked up
    /// first, not inserted and ignored: an ignored insert would still use
    /// up an id, and conflict ids are the same as on SQLite.
    func writeConflicts(_ connection: PostgresConnection, detectedAt: UInt64, logger: Logger) async throws -> Int {
        var written = 0
        for (key, kind, a, b) in conflicts {
            let known = try await connection.run(
                """
                SELECT 1 FROM svc_conflicts
                WHERE tbl = ? AND row_id = ? AND col = ? AND a_hlc = ? AND a_replica = ? AND b_hlc = ? AND b_replica = ?
                """,
                [
                    .text(key.table), .text(key.rowID), .text(key.column), .integer(a.version.storedTimestamp),
                    .integer(a.version.storedReplica), .integer(b.version.storedTimestamp),
                    .integer(b.version.storedReplica),
                ], logger: logger)
            guard known == 0 else { continue }
            try await connection.run(
                """
                INSERT INTO svc_conflicts(kind, tbl, row_id, col,
                  a_col, a_value, a_hlc, a_replica, a_manager, b_col, b_value, b_hlc, b_replica, b_manager, detected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(kind.rawValue), .text(key.table), .text(key.rowID), .text(key.column),
                    .text(a.column), PostgresArgument(PostgresValueText.encode(a.value)),
                    .integer(a.version.storedTimestamp), .integer(a.version.storedReplica), PostgresArgument(a.manager),
                    .text(b.column), PostgresArgument(PostgresValueText.encode(b.value)),
                    .integer(b.version.storedTimestamp), .integer(b.version.storedReplica), PostgresArgument(b.manager),
                    .integer(Int64(detectedAt)),
                ], logger: logger)
            written += 1
        }
        return written
    }
}

extension PostgresCentralStore {
    /// Reads the facts a push of `changes` (screened, sorted by record) needs.
    func pushFacts(_ connection: PostgresConnection, _ changes: [FieldChange], scope: Scope) async throws -> PushFacts {
        var facts = PushFacts(scope: scope)
        let customers = scope.ownerTable
        var ids: [String: Set<String>] = [:]
        for change in changes { ids[change.table, default: []].insert(change.rowID) }
        for (name, tableIDs) in ids {
            facts.records[name] = try await records(connection, try schema.table(name), ids: tableIDs)
        }
        // The customers the pushed records belong to, now or after this push.
        var customerIDs = ids[customers.name] ?? []
        for change in changes {
            let table = try schema.table(change.table)
            guard let parent = table.parentColumn, let parentIndex = table.columnIndex(parent) else { continue }
            if change.column == parent, let id = change.value.textValue { customerIDs.insert(id) }
            if let id = facts.records[table.name]?[change.rowID]?.values[parentIndex].textValue {
                customerIDs.insert(id)
            }
        }
        // Earlier customers of records moved since an edit pushed now was made (`ScopeGate` judges it by them).
        var movedSince: [String: Set<String>] = [:]
        var earlierCustomers = Set<String>()
        for change in changes {
            let table = try schema.table(change.table)
            guard let parent = table.parentColumn, let parentIndex = table.columnIndex(parent),
                let movedAt = facts.records[table.name]?[change.rowID]?.versions[parentIndex], change.version < movedAt
            else { continue }
            movedSince[table.name, default: []].insert(change.rowID)
        }
        for (name, recordIDs) in movedSince {
            for row in try await connection.rows(
                "SELECT row_id, hlc, replica, value FROM svc_log WHERE tbl = ? AND row_id = ANY(?) AND col = ? ORDER BY hlc, replica",
                [.text(name), .texts(Array(recordIDs)), .text(try schema.table(name).parentColumn!)], logger: logger)
            {
                guard
                    let version = Version(
                        timestamp: try row[1].decode(Int64.self), replica: try row[2].decode(Int64.self))
                else { continue }
                let customer = try PostgresValueText.decode(try row[3].decode(String?.self)).textValue
                facts.customerHistory[RecordRef(table: name, rowID: try row[0].decode(String.self)), default: []]
                    .append((version, customer))
                if let customer { earlierCustomers.insert(customer) }
            }
        }
        customerIDs.formUnion(earlierCustomers)
        let missing = customerIDs.subtracting(facts.records[customers.name]?.keys.map { $0 } ?? [])
        facts.records[customers.name, default: [:]].merge(
            try await records(connection, customers, ids: missing), uniquingKeysWith: { held, _ in held })
        let customerRecords = facts.records[customers.name] ?? [:]
        let ownerIndex = customers.columnIndex(scope.ownerColumn)!
        var managers = Set(customerRecords.values.compactMap { $0.values[ownerIndex].textValue })
        for change in changes where change.table == customers.name && change.column == scope.ownerColumn {
            if let owner = change.value.textValue { managers.insert(owner) }
        }
        facts.branches = try await branches(connection, of: managers)
        // Earlier owners, for edits made before a customer was reassigned away (customers out of scope
        // now), or before a record was moved away from one (earlier customers: judged by their owner then).
        let reassignedAway = try Array(
            earlierCustomers.union(
                customerRecords.values.filter { try !scope.includes(owner: $0.values[ownerIndex].textValue, facts) }
                    .map(\.id)))
        if !reassignedAway.isEmpty {
            var earlierOwners = Set<String>()
            for row in try await connection.rows(
                "SELECT row_id, hlc, replica, value FROM svc_log WHERE tbl = ? AND row_id = ANY(?) AND col = ? ORDER BY hlc, replica",
                [.text(customers.name), .texts(reassignedAway), .text(scope.ownerColumn)], logger: logger)
            {
                guard
                    let version = Version(
                        timestamp: try row[1].decode(Int64.self), replica: try row[2].decode(Int64.self))
                else { continue }
                let owner = try PostgresValueText.decode(try row[3].decode(String?.self)).textValue
                facts.ownerHistory[try row[0].decode(String.self), default: []].append((version, owner))
                if let owner { earlierOwners.insert(owner) }
            }
            facts.branches.merge(try await branches(connection, of: earlierOwners)) { held, _ in held }
        }
        // The log's entries for the pushed versions and those they meet, of the records the service holds
        // (only those can have taken a change in: `PushPlan`).
        var storedSeqs: [PushFacts.LogKey: Int64] = [:]
        for (name, tableIDs) in ids {
            let held = (facts.records[name] ?? [:]).values.filter { tableIDs.contains($0.id) }
            guard !held.isEmpty else { continue }
            var probes = Set<PushFacts.LogProbe>()
            for change in changes where change.table == name && facts.records[name]?[change.rowID] != nil {
                probes.insert(
                    PushFacts.LogProbe(rowID: change.rowID, column: change.column, hlc: change.version.storedTimestamp))
            }
            let table = try schema.table(name)
            for record in held {
                for (column, version) in zip(table.columns, record.versions) {
                    guard let version else { continue }
                    probes.insert(
                        PushFacts.LogProbe(rowID: record.id, column: column.name, hlc: version.storedTimestamp))
                }
            }
            // Each key looked up in the primary key by itself (the OFFSET keeps the planner from
            // flattening the subquery): as a join, with statistics a minute behind a log that grows
            // by thousands of rows a minute, the planner sorted every entry of the table (13 ms a push).
            for row in try await connection.rows(
                """
                SELECT l.row_id, l.col, l.hlc, l.replica, l.seq, l.manager
                FROM unnest(?::text[], ?::text[], ?::bigint[]) AS k(row_id, col, hlc)
                CROSS JOIN LATERAL (
                  SELECT row_id, col, hlc, replica, seq, manager FROM svc_log
                  WHERE tbl = ? AND row_id = k.row_id AND col = k.col AND hlc = k.hlc OFFSET 0) l
                """,
                [
                    .texts(probes.map(\.rowID)), .texts(probes.map(\.column)), .bigIntegers(probes.map(\.hlc)),
                    .text(name),
                ], prepared: true, logger: logger)
            {
                guard
                    let version = Version(
                        timestamp: try row[2].decode(Int64.self), replica: try row[3].decode(Int64.self))
                else { continue }
                let key = PushFacts.LogKey(
                    table: name, rowID: try row[0].decode(String.self), column: try row[1].decode(String.self),
                    version: version)
                facts.logEntries[key] = LoggedVersion(manager: try row[5].decode(String?.self))
                storedSeqs[key] = try row[4].decode(Int64.self)
            }
        }
        if PushPlan.readsSeqs(changes) {
            facts.logSeqs = try await resolving(connection, storedSeqs)
        }
        return facts
    }

    /// The counter each log entry's transaction took: an entry keeps the
    /// provisional seq it was written with (negative), which `svc_log_seqs`
    /// maps once that transaction commits (`PostgresLayout.logSeqsByMarker`).
    /// Only a push that deletes needs these. Read for every push, one lookup
    /// per entry, they were a third of PostgreSQL's time under `fieldsync-bench
    /// load`: a plan made while `svc_log_seqs` was a page long scanned it whole
    /// for each entry until statistics caught up.
    private func resolving(
        _ connection: PostgresConnection, _ stored: [PushFacts.LogKey: Int64]
    ) async throws -> [PushFacts.LogKey: Int64] {
        let markers = Set(stored.values.filter { $0 < 0 })
        guard !markers.isEmpty else { return stored }
        var seqs: [Int64: Int64] = [:]
        for row in try await connection.rows(
            "SELECT marker, seq FROM svc_log_seqs WHERE marker = ANY(?)", [.bigIntegers(Array(markers))],
            prepared: true, logger: logger)
        {
            seqs[try row[0].decode(Int64.self)] = try row[1].decode(Int64.self)
        }
        return stored.mapValues { seqs[$0] ?? $0 }
    }

    /// The branches of these managers (those that exist), from the cache or the store.
    func branches(_ connection: PostgresConnection, of managers: Set<String>) async throws -> [String: String] {
        let unknown = branches.withLock { known in managers.filter { known[$0] == nil } }
        if !unknown.isEmpty {
            let rows = try await connection.rows(
                "SELECT id, branch FROM svc_managers WHERE id = ANY(?)", [.texts(Array(unknown))], prepared: true,
                logger: logger)
            let read = try rows.map { (try $0[0].decode(String.self), try $0[1].decode(String.self)) }
            branches.withLock { known in for (manager, branch) in read { known[manager] = branch } }
        }
        return branches.withLock { known in known.filter { managers.contains($0.key) } }
    }
}
