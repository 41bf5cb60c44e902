import FieldSyncCore
import GRDB

/// What merging a change set did.
public struct MergeOutcome: Sendable {
    /// The merged set's changes (shared, not copied).
    let changes: [FieldChange]
    /// Positions in `changes` of the changes that won, i.e. changed a field here.
    public internal(set) var winningChanges: [Int] = []
    /// A pulled page's customers, and visits, tasks and holdings, this device
    /// held and deleted (they left its manager's scope).
    public internal(set) var removedCustomers = 0
    public internal(set) var removedRecords = 0

    /// Field changes in the set.
    public var received: Int { changes.count }
    /// How many fields changed here (the incoming version won).
    public var changed: Int { winningChanges.count }
    /// The fields whose value or version changed here.
    public var changedFields: [FieldRef] { winningChanges.map { changes[$0].field } }
}

/// A change set carrying a timestamp too far ahead of this device's clock.
public struct ChangesFromTheFuture: FieldSyncError {
    public let skew: ClockSkew
    public var code: ErrorCode { .clockSkew }
    public var message: String {
        "the changes carry a timestamp \(skew.aheadMillis / 1000) s ahead of this device's clock (the bound is \(skew.maxDriftMillis / 1000) s): the device that wrote them, or this one, has a wrong date and time; nothing was merged"
    }
}

extension Replica {
    /// Merges an incoming change set, field by field, in one transaction: for
    /// each field the higher version wins (`MergeRule`). Changes to one record
    /// are applied with one statement for the record and one for its clock row.
    /// A change the schema refuses fails the whole set, and nothing is written;
    /// so does a timestamp more than the drift bound ahead of this device's
    /// clock (`clock_skew`): such a change would win every later edit made here.
    public func merge(_ changeSet: ChangeSet) throws -> MergeOutcome {
        try checkSchemaVersion(changeSet)
        return try writeTransaction { db in try merge(db, changeSet.changes, checkingClock: true) }
    }

    func checkSchemaVersion(_ changeSet: ChangeSet) throws {
        guard changeSet.schemaVersion == schema.version else {
            throw SchemaViolation(
                .schemaVersion, field: nil,
                "the changes are for schema version \(changeSet.schemaVersion); this replica holds version \(schema.version)")
        }
    }

    /// Merges `changes` inside the open write transaction. With
    /// `checkingClock` false (rows from the service, which bounds clocks
    /// itself), a timestamp ahead of this device's clock moves the clock
    /// forward instead of refusing the set.
    package func merge(_ db: Database, _ changes: [FieldChange], checkingClock: Bool) throws -> MergeOutcome {
        var outcome = MergeOutcome(changes: changes)
        guard let newest = changes.lazy.map(\.version.timestamp).max() else { return outcome }
        // FieldSync's own connection skips the tables' CHECKs (Replica.configuration).
        var mergers: [String: RecordMerger] = [:]
        let runs = Self.inKeyOrder(ChangeSet(schemaVersion: schema.version, changes: changes).rowRuns, of: changes)
        try changes.withUnsafeBufferPointer { changes in
            var start = 0
            while start < runs.count {
                // Runs of the same record are adjacent once sorted: merge them together.
                let first = changes[runs[start].lowerBound]
                var end = start + 1
                while end < runs.count, changes[runs[end].lowerBound].rowID == first.rowID,
                    changes[runs[end].lowerBound].table == first.table
                {
                    end += 1
                }
                let merger: RecordMerger
                if let existing = mergers[first.table] {
                    merger = existing
                } else {
                    merger = try RecordMerger(db, table: schema.table(first.table))
                    mergers[first.table] = merger
                }
                if try merger.merge(changes, runs[start..<end], seq: transactionSeq, into: &outcome) {
                    transactionChanged = true
                }
                start = end
            }
        }
        if refusedCapturesRemain {
            for field in outcome.changedFields { try dequeueCaptured(db, field) }
        }
        // Only once the whole set was valid: a refused set moves no clock.
        if checkingClock {
            do throws(ClockSkew) { try clock.observe(newest) } catch { throw ChangesFromTheFuture(skew: error) }
        } else {
            clock.forceObserve(newest)
        }
        return outcome
    }
}

extension Replica {
    /// Runs of changes to one record, ordered by table and record id, so
    /// that the merge walks each B-tree in key order.
    static func inKeyOrder(_ runs: [Range<Int>], of changes: [FieldChange]) -> [Range<Int>] {
        runs.sorted { left, right in
            let (a, b) = (changes[left.lowerBound], changes[right.lowerBound])
            // Any consistent order will do (it only buys locality); String's `<`
            // compares ASCII ids with memcmp, far faster than walking UTF-8 views.
            return a.table != b.table ? a.table < b.table : a.rowID < b.rowID
        }
    }
}

/// Merges the changes of one record at a time into one table.
final class RecordMerger {
    let table: TableSchema
    private let columns: [ColumnSchema]
    private let columnIndex: [String: Int]
    private let selectClock: RawStatement
    private let insertSkeleton: RawStatement
    private let updateRecord: RawStatement
    private let insertClock: RawStatement
    private let updateClock: RawStatement
    /// Buffers reused from record to record, so the loop does not allocate.
    private struct Scratch {
        var winners: [Value?]
        var winnerPositions: [Int]
        var versions: FieldVersions
        var blob: [UInt8] = []
    }
    private var scratch: Scratch

    init(_ db: Database, table: TableSchema) throws {
        self.table = table
        columns = table.columns
        let name = ReplicaLayout.quote(table.name)
        let clockTable = ReplicaLayout.clockTable(table)
        columnIndex = Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($1.name, $0) })
        scratch = Scratch(
            winners: Array(repeating: nil, count: table.columns.count),
            winnerPositions: Array(repeating: 0, count: table.columns.count),
            versions: FieldVersions(count: table.columns.count))
        selectClock = try RawStatement(db, "SELECT versions FROM \(clockTable) WHERE id = ?1")
        insertSkeleton = try RawStatement(db, "INSERT OR IGNORE INTO \(name)(id) VALUES (?1)")
        // Column k takes parameter 2k+3 when flag 2k+2 says its incoming version won.
        let assignments = table.columns.enumerated().map { index, column in
            let quoted = ReplicaLayout.quote(column.name)
            return "\(quoted) = iif(?\(2 * index + 2), ?\(2 * index + 3), \(quoted))"
        }
        updateRecord = try RawStatement(db, "UPDATE \(name) SET \(assignments.joined(separator: ", ")) WHERE id = ?1")
        insertClock = try RawStatement(db, "INSERT INTO \(clockTable)(id, seq, versions) VALUES (?1, ?2, ?3)")
        updateClock = try RawStatement(db, "UPDATE \(clockTable) SET seq = ?2, versions = ?3 WHERE id = ?1")
    }

    /// Merges the changes in `runs`, which all touch one record. True when a field changed.
    func merge(
        _ changes: UnsafeBufferPointer<FieldChange>, _ runs: ArraySlice<Range<Int>>, seq: Int64,
        into outcome: inout MergeOutcome
    ) throws -> Bool {
        // Work on a local copy of the buffers: each access to a class's stored
        // property costs a dynamic exclusivity check, a lot in this loop.
        var scratch = Scratch(winners: [], winnerPositions: [], versions: FieldVersions(count: 0))
        swap(&scratch, &self.scratch)
        defer { swap(&scratch, &self.scratch) }
        let rowID = changes[runs[runs.startIndex].lowerBound].rowID
        guard RowID.isValid(rowID) else {
            throw SchemaViolation(.badID, field: table.name, "a \(table.name) record id must be a lower-case UUID")
        }
        selectClock.bind(rowID, at: 1)
        let exists = try selectClock.step()
        if exists {
            selectClock.withBlob(column: 0) { scratch.versions.load($0) }
        } else {
            scratch.versions.load(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        selectClock.reset()

        var won = false
        for run in runs {
          for position in run {
            let offset = position - run.lowerBound
            // Producers usually send a record's fields in schema order: try
            // that position before hashing the name.
            let index: Int
            if offset < columns.count, columns[offset].name == changes[position].column {
                index = offset
            } else if let found = columnIndex[changes[position].column] {
                index = found
            } else {
                _ = try table.column(changes[position].column)  // throws the unknown-column error
                continue
            }
            let value = try table.validate(changes[position].value, for: columns[index])
            let version = changes[position].version
            if version == scratch.versions[index], let earlier = scratch.winners[index], earlier != value {
                throw SchemaViolation(
                    .malformed, field: "\(table.name).\(columns[index].name)",
                    "the changes hold two values for \(table.name).\(columns[index].name) of record \(rowID) under one version")
            }
            if MergeRule.incoming(version, wins: scratch.versions[index]) {
                scratch.versions[index] = version
                scratch.winners[index] = value
                scratch.winnerPositions[index] = position
                won = true
            }
          }
        }
        guard won else { return false }

        if !exists {
            insertSkeleton.bind(rowID, at: 1)
            try insertSkeleton.execute()
        }
        updateRecord.bind(rowID, at: 1)
        for index in scratch.winners.indices {
            if let value = scratch.winners[index] {
                updateRecord.bind(1, at: Int32(2 * index + 2))
                updateRecord.bind(value, at: Int32(2 * index + 3))
                outcome.winningChanges.append(scratch.winnerPositions[index])
                scratch.winners[index] = nil
            } else {
                updateRecord.bind(0, at: Int32(2 * index + 2))
            }
        }
        try updateRecord.execute()

        scratch.versions.encode(into: &scratch.blob)
        let writeClock = exists ? updateClock : insertClock
        writeClock.bind(rowID, at: 1)
        writeClock.bind(seq, at: 2)
        writeClock.bind(scratch.blob, at: 3)
        try writeClock.execute()
        return true
    }
}
