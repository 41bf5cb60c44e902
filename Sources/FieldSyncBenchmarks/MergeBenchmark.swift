import FieldSyncCore
import FieldSyncReplica
import Foundation
import GRDB

/// `fieldsync-bench merge`: merging a change set into a replica file, next to
/// a plain SQLite upsert of the same values measured in the same run.
public struct MergeBenchmark {
    public struct Result: BenchmarkResult {
        public var benchmark = "merge"
        public var records: Int
        public var fields: Int
        public var rounds: Int
        public var winners: Int
        public var expectedWinners: Int
        public var mergeFieldsPerSecond: Double
        public var baselineFieldsPerSecond: Double
        public var ratio: Double
        public var peakRSSBytes: UInt64
        public var targetRatio = 0.5
        public var targetPeakRSSBytes: UInt64 = 300_000_000
        public var meetsTargets: Bool { ratio >= targetRatio && peakRSSBytes <= targetPeakRSSBytes }

        public var figures: [Figure] {
            [
                Figure(
                    "\(Format.grouped(fields)) field changes into a replica", Format.rate(mergeFieldsPerSecond, "fields"),
                    baseline: Format.rate(baselineFieldsPerSecond, "fields") + " (plain upsert)"),
                Figure(
                    "merge / baseline", String(format: "%.2f", ratio), target: String(format: ">= %.2f", targetRatio),
                    met: ratio >= targetRatio),
                Figure(
                    "peak RSS", Format.megabytes(peakRSSBytes), target: "<= " + Format.megabytes(targetPeakRSSBytes),
                    met: peakRSSBytes <= targetPeakRSSBytes),
            ]
        }

        enum CodingKeys: String, CodingKey {
            case benchmark, records, fields, rounds, winners
            case expectedWinners = "expected_winners"
            case mergeFieldsPerSecond = "merge_fields_per_second"
            case baselineFieldsPerSecond = "baseline_fields_per_second"
            case ratio
            case peakRSSBytes = "peak_rss_bytes"
            case targetRatio = "target_ratio"
            case targetPeakRSSBytes = "target_peak_rss_bytes"
        }
    }

    public let records: Int
    public let rounds: Int
    public let directory: String

    public init(records: Int = 50_000, rounds: Int = 5, directory: String) {
        self.records = records
        self.rounds = rounds
        self.directory = directory
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Result {
        let workload = CustomerWorkload(records: records)
        var mergeTimes: [Double] = []
        var baselineTimes: [Double] = []
        var winners = 0
        for round in 1...rounds {
            // Alternate which goes first, so neither always meets a warmer page cache.
            let order = round % 2 == 1 ? [true, false] : [false, true]
            for isMerge in order {
                if isMerge {
                    let (seconds, changed) = try timeMerge(workload, round: round)
                    mergeTimes.append(seconds)
                    winners = changed
                    progress("round \(round): merge \(Int(Double(workload.incoming.count) / seconds)) fields/s")
                } else {
                    let seconds = try timeBaseline(workload, round: round)
                    baselineTimes.append(seconds)
                    progress("round \(round): baseline \(Int(Double(workload.incoming.count) / seconds)) fields/s")
                }
            }
        }
        guard winners == workload.expectedWinners else {
            throw BenchmarkError("the merge changed \(winners) fields, the workload expects \(workload.expectedWinners)")
        }
        let fields = workload.incoming.count
        // The ratio is the median of each round's ratio: a merge and its
        // baseline run back to back, so a slow patch of this shared machine
        // slows both sides of the same round.
        let ratios = zip(baselineTimes, mergeTimes).map { $0 / $1 }
        return Result(
            records: records, fields: fields, rounds: rounds, winners: winners,
            expectedWinners: workload.expectedWinners, mergeFieldsPerSecond: Double(fields) / median(mergeTimes),
            baselineFieldsPerSecond: Double(fields) / median(baselineTimes), ratio: median(ratios),
            peakRSSBytes: ProcessMemory.peakResidentBytes())
    }

    private func timeMerge(_ workload: CustomerWorkload, round: Int) throws -> (Double, Int) {
        let path = "\(directory)/merge-\(round).db"
        removeDatabase(path)
        defer { removeDatabase(path) }
        let replica = try Replica.create(at: path, managerID: "bench", replicaID: ReplicaID(rawValue: 3)!)
        for batch in workload.initialState() { _ = try replica.merge(batch) }
        let start = MonotonicClock.seconds()
        let outcome = try replica.merge(workload.incoming)
        return (MonotonicClock.seconds() - start, outcome.changed)
    }

    /// One prepared upsert per record, the same values, no versions, the same pragmas.
    private func timeBaseline(_ workload: CustomerWorkload, round: Int) throws -> Double {
        let path = "\(directory)/baseline-\(round).db"
        removeDatabase(path)
        defer { removeDatabase(path) }
        let table = workload.table
        let database = try DatabaseQueue(path: path)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            for pragma in Replica.pragmas { try db.execute(sql: pragma) }
            let columns = table.columns.map { "\"\($0.name)\" \($0.type.storage.rawValue)" }.joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE customers(id TEXT PRIMARY KEY NOT NULL, \(columns))")
        }
        let names = table.columns.map { "\"\($0.name)\"" }
        let upsert = """
            INSERT INTO customers(id, \(names.joined(separator: ", "))) VALUES (?1\((0..<names.count).map { ", ?\($0 + 2)" }.joined()))
            ON CONFLICT(id) DO UPDATE SET \(names.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """
        let parameter = Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($1.name, Int32($0 + 2)) })
        func apply(_ changeSet: ChangeSet) throws {
            try database.write { db in
                let statement = try RawStatement(db, upsert)
                for run in changeSet.rowRuns {
                    statement.bind(changeSet.changes[run.lowerBound].rowID, at: 1)
                    for change in changeSet.changes[run] { statement.bind(change.value, at: parameter[change.column]!) }
                    try statement.execute()
                }
            }
        }
        for batch in workload.initialState() { try apply(batch) }
        let start = MonotonicClock.seconds()
        try apply(workload.incoming)
        return MonotonicClock.seconds() - start
    }

    private func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    private func median(_ values: [Double]) -> Double {
        values.sorted()[values.count / 2]
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
