import FieldSyncCore
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import GRDB
import Testing

/// The merge rule's laws, checked on randomised histories rather than asserted:
/// several replicas create, edit and delete shared records (also through
/// plain SQL by another program), exchange changes (everything, or since the
/// last exchange) in random order, with duplicates and re-batching, and must
/// end identical, holding for every field the highest-versioned write ever made.
///
/// Seeded and reproducible: set FIELDSYNC_SEED (first seed) and
/// FIELDSYNC_HISTORIES (how many) to replay; a failure names its seed.
@Suite("Convergence on randomised histories")
struct ConvergenceTests {
    static let environment = ProcessInfo.processInfo.environment
    static let firstSeed = UInt64(environment["FIELDSYNC_SEED"] ?? "") ?? 20_261_122
    static let histories = Int(environment["FIELDSYNC_HISTORIES"] ?? "") ?? 2_000

    /// Histories run in slices so that the slices use every core.
    static let slices = 4

    @Test(
        "replicas converge to the highest version of every field, whatever the delivery",
        arguments: 0..<slices)
    func randomHistories(slice: Int) throws {
        let directory = TemporaryDirectory()
        for index in stride(from: slice, to: Self.histories, by: Self.slices) {
            let seed = Self.firstSeed &+ UInt64(index)
            do {
                try History(seed: seed, directory: directory.path + "/h\(index)").run()
            } catch {
                Issue.record(
                    "history with seed \(seed) failed: \(error). Replay: FIELDSYNC_SEED=\(seed) FIELDSYNC_HISTORIES=1 swift test --filter Convergence"
                )
                return
            }
        }
    }
}

/// One randomised history.
struct History {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let seed: UInt64
    let directory: String

    func run() throws {
        var random = SeededGenerator(seed: seed)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let start: UInt64 = 1_800_000_000_000
        let replicaCount = 3 + Int(random.next() % 2)
        let clocks = (0..<replicaCount).map { _ in ManualWallClock(start + random.next() % 1_000) }
        let replicas = try (0..<replicaCount).map { index in
            try Replica.create(
                at: "\(directory)/r\(index).db", managerID: "m\(index)", replicaID: ReplicaID.random(using: &random),
                wallClock: clocks[index].read)
        }
        let ids = (0..<(1 + Int(random.next() % 3))).map { _ in RowID.random(using: &random) }
        // The expected outcome: the highest-versioned write of every field.
        var model: [FieldRef: FieldChange] = [:]
        // What each target last received from each source, for incremental exchanges.
        var cursors: [String: Int64] = [:]

        for _ in 0..<(8 + Int(random.next() % 20)) {
            // Clocks move a little, often not at all, so counters and ties occur.
            for clock in clocks where random.next() % 3 == 0 { clock.millis += random.next() % 20 }
            if random.next() % 10 == 0 {
                let tie = clocks[0].millis
                for clock in clocks { clock.millis = tie }
            }
            let replica = replicas[Int(random.next() % UInt64(replicaCount))]
            switch random.next() % 10 {
            case 0..<4:
                for change in try write(replica, ids: ids, using: &random) { record(change, in: &model) }
            case 4:
                for change in try writeWithPlainSQL(replica, ids: ids, using: &random) { record(change, in: &model) }
            case 5:
                let id = ids[Int(random.next() % UInt64(ids.count))]
                if try replica.record("customers", id: id) != nil {
                    for change in try replica.delete("customers", id: id) { record(change, in: &model) }
                }
            default:
                let target = replicas[Int(random.next() % UInt64(replicaCount))]
                let pair = "\(replica.replicaID)>\(target.replicaID)"
                let since = random.next() % 2 == 0 ? cursors[pair] ?? 0 : 0
                cursors[pair] = try deliver(from: replica, to: target, since: since, using: &random).through
            }
        }

        // Everyone exchanges everything until nothing changes any more.
        var rounds = 0
        var changed = true
        while changed {
            changed = false
            rounds += 1
            guard rounds < 10 else { throw Failure(description: "no fixpoint after 10 full exchange rounds") }
            for source in replicas {
                for target in replicas where target !== source {
                    if try deliver(from: source, to: target, since: 0, using: &random).changed > 0 { changed = true }
                }
            }
        }

        let expected = try expectedSnapshot(model)
        let digest = try replicas[0].digest().digest
        for (index, replica) in replicas.enumerated() {
            guard try replica.snapshot() == expected else {
                throw Failure(description: "replica \(index) does not hold the highest version of every field")
            }
            guard try replica.digest().digest == digest else {
                throw Failure(description: "replica \(index)'s digest differs although its data is equal")
            }
        }
    }

    /// A local create or edit of a shared customer.
    func write(_ replica: Replica, ids: [String], using random: inout SeededGenerator) throws -> [FieldChange] {
        let id = ids[Int(random.next() % UInt64(ids.count))]
        var values: [(column: String, value: Value)] = []
        if try replica.record("customers", id: id) == nil {
            values = [("owner", .text("m1")), ("full_name", .text("Customer \(random.next() % 100)"))]
        }
        let editable: [(String, [Value])] = [
            ("phone", [.text("+351 1"), .text("+351 2"), .null]),
            ("city", [.text("Lisbon"), .text("Porto"), .text("Faro")]),
            ("tier", [.text("standard"), .text("premium"), .text("private")]),
            ("dependents", [.integer(0), .integer(1), .integer(3)]),
            ("full_name", [.text("Ana"), .text("Bea")]),
            ("deleted", [.integer(0)]),
        ]
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let (column, choices) = editable[Int(random.next() % UInt64(editable.count))]
            values.append((column, choices[Int(random.next() % UInt64(choices.count))]))
        }
        return try replica.write("customers", id: id, values: values)
    }

    /// An edit by another program, through SQLite with its triggers, then
    /// stamped by FieldSync; returns the change it became.
    func writeWithPlainSQL(_ replica: Replica, ids: [String], using random: inout SeededGenerator) throws -> [FieldChange] {
        let id = ids[Int(random.next() % UInt64(ids.count))]
        let city = ["Braga", "Evora", "Faro"][Int(random.next() % 3)]
        let other = try DatabaseQueue(path: replica.path)
        try other.write { try $0.execute(sql: "UPDATE customers SET city = ? WHERE id = ?", arguments: [city, id]) }
        try other.close()
        try replica.absorbCapturedWrites()
        return try replica.pendingChanges().filter { $0.rowID == id && $0.column == "city" && $0.value == .text(city) }
    }

    /// Sends the source's changes since `since` in random batches, shuffled,
    /// some twice. Returns how many fields changed at the target, and the
    /// source's counter the delivery runs through.
    @discardableResult
    func deliver(from source: Replica, to target: Replica, since: Int64, using random: inout SeededGenerator) throws
        -> (changed: Int, through: Int64)
    {
        let (changeSet, through) = try source.changes(since: since)
        let changes = changeSet.changes
        guard !changes.isEmpty else { return (0, through) }
        var batches: [[FieldChange]] = []
        var current: [FieldChange] = []
        for change in changes {
            current.append(change)
            if random.next() % 4 == 0 {
                batches.append(current)
                current = []
            }
        }
        if !current.isEmpty { batches.append(current) }
        batches += batches.filter { _ in random.next() % 4 == 0 }  // duplicates
        batches.shuffle(using: &random)
        var changed = 0
        for batch in batches {
            changed += try target.merge(ChangeSet(schemaVersion: Schema.default.version, changes: batch)).changed
        }
        return (changed, through)
    }

    func record(_ change: FieldChange, in model: inout [FieldRef: FieldChange]) {
        if MergeRule.incoming(change.version, wins: model[change.field]?.version) { model[change.field] = change }
    }

    func expectedSnapshot(_ model: [FieldRef: FieldChange]) throws -> [String: [String: [String: String]]] {
        var result: [String: [String: [String: String]]] = [:]
        for (field, change) in model {
            result[field.table, default: [:]][field.rowID, default: [:]][field.column] =
                "\(change.value.typeName):\(change.value)@\(change.version)"
        }
        return result
    }
}
