import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import Logging
import PostgresNIO
import Testing

/// Two store instances on one PostgreSQL database, as two `fieldsync-server`
/// processes behind a load balancer would have: what a single SQLite writer
/// gets for free (one commit order, one decision per record) must hold here
/// with both working at once.
@Suite("PostgreSQL: two service instances on one database")
struct PostgresInstancesTests {
    let writerA = Writer(0xa1, "ana.lima")
    let writerB = Writer(0xb2, "sue")
    let clock = ManualWallClock(t0 + 60_000)

    /// Two instances on a fresh database, the staff added through the first.
    func withInstances<T>(
        _ body: (PostgresCentralStore, PostgresCentralStore, ScratchDatabase) async throws -> T
    ) async throws -> T {
        try await ScratchDatabase.using { database in
            func open() async throws -> PostgresCentralStore {
                try await PostgresCentralStore(
                    target: database.target, wallClock: clock.read, logger: TestServer.quiet)
            }
            // Both start at once: the migration must run exactly once.
            async let first = open()
            async let second = open()
            let (one, two) = try await (first, second)
            do {
                for manager in Staff.all { try await one.addManager(manager) }
                let result = try await body(one, two, database)
                await one.close()
                await two.close()
                return result
            } catch {
                await one.close()
                await two.close()
                throw error
            }
        }
    }

    func push(_ store: PostgresCentralStore, _ writer: Writer, _ changes: [FieldChange]) async throws -> PushResponse {
        let manager = Staff.all.first { $0.id == writer.manager }!
        return try await store.push(
            ChangeSet(schemaVersion: 1, changes: changes), from: SyncCaller(replica: writer.replica, manager: manager),
            cursor: nil)
    }

    @Test("colliding pushes through both instances at once: one conflict per field, the same winner as SQLite's rule")
    func collidingPushes() async throws {
        try await withInstances { one, two, _ in
            let customers = (1...40).map(IDs.customer)
            // Each customer created once, then both writers edit its phone from that same base, at once.
            var created: [FieldChange] = []
            for id in customers { created += writerA.newCustomer(id, name: "C", at: t0) }
            _ = try await push(one, writerA, created)
            let base = writerA.version(t0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in customers.enumerated() {
                    let (first, second) = index.isMultiple(of: 2) ? (one, two) : (two, one)
                    group.addTask {
                        _ = try await push(
                            first, writerA, [writerA.change(id, "phone", .text("A"), at: t0 + 10, base: base)])
                    }
                    group.addTask {
                        _ = try await push(
                            second, writerB, [writerB.change(id, "phone", .text("B"), at: t0 + 10, base: base)])
                    }
                }
                try await group.waitForAll()
            }
            let conflicts = try await one.conflicts(status: nil, for: Staff.admin)
            #expect(conflicts.count == customers.count)
            #expect(Set(conflicts.map(\.rowID)) == Set(customers))
            // Equal timestamps: the higher replica id wins (MergeRule), whichever commit came first.
            let wins = MergeRule.incoming(writerB.version(t0 + 10), wins: writerA.version(t0 + 10))
            let pulled = try await two.pull(after: .start, limit: 1000, for: Staff.admin)
            let phones = pulled.changeSet.changes.filter { $0.column == "phone" }
            #expect(phones.count == customers.count)
            #expect(phones.allSatisfy { $0.value == .text(wins ? "B" : "A") })
            #expect(try await one.digest(for: Staff.admin) == two.digest(for: Staff.admin))
        }
    }

    @Test(
        "a supervisor's push giving a customer away, committed just after the old owner's push added a visit to it: the new owner's next pull brings the visit"
    )
    func reassigningPushMovesWhatCommittedBeforeIt() async throws {
        try await withInstances { one, two, database in
            let customer = IDs.anna
            _ = try await push(one, writerA, writerA.newCustomer(customer, name: "Anna", at: t0))
            let created = try await one.pull(after: .start, limit: 1000, for: Staff.admin).cursor.seq
            let visit = "00000000-0000-4000-8000-00000000a151"
            let addVisit = [
                ("customer_id", Value.text(customer)), ("channel", .text("visit")),
                ("occurred_at", .text("2026-12-01T10:00:00Z")),
            ].map { column, value in
                writerA.change(visit, column, value, at: t0 + 10, table: "interactions")
            }
            let giveAway = writerB.change(customer, "owner", .text("ben"), at: t0 + 20, base: writerA.version(t0))
            // The counter held elsewhere: both pushes wait for it, the visit's first (at its commit). Moving
            // the customer's records before the visit had committed left the visit behind Ben's cursor.
            let (added, givenAway) = try await withCounterHeld(database) { counter in
                async let added = push(one, writerA, addVisit)
                try await counter.awaitWaiting(1)
                async let givenAway = push(two, writerB, [giveAway])
                try await counter.awaitWaiting(2)
                try await counter.release()
                return (try await added, try await givenAway)
            }
            #expect(added.rejected.isEmpty && givenAway.rejected.isEmpty)
            // Ben pulled between the two commits: the visit was not his yet, the customer not moved.
            let page = try await two.pull(after: PullCursor(seq: created + 1), limit: 1000, for: Staff.ben)
            let rows = Set(page.changeSet.changes.map { "\($0.table)/\($0.rowID)" })
            #expect(rows == ["customers/\(customer)", "interactions/\(visit)"])
        }
    }

    /// The change counter's row held by a transaction of the test's own, so
    /// that pushes wait at their commit, in the order they got there.
    struct HeldCounter: Sendable {
        let holder: PostgresConnection
        let logger: Logger

        /// Waits until `count` sessions wait for a lock.
        func awaitWaiting(_ count: Int) async throws { try await holder.awaitSessionsWaiting(count, logger: logger) }

        func release() async throws { try await holder.query("COMMIT", logger: logger) }
    }

    /// Runs `body` while the counter is held (until `body` releases it).
    func withCounterHeld<T: Sendable>(
        _ database: ScratchDatabase, _ body: (HeldCounter) async throws -> T
    ) async throws -> T {
        let logger = TestServer.quiet
        let client = PostgresClient(configuration: database.configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await client.withConnection { holder in
                try await holder.query("BEGIN", logger: logger)
                try await holder.query("SELECT seq FROM svc_state WHERE id = 1 FOR UPDATE", logger: logger)
                return try await body(HeldCounter(holder: holder, logger: logger))
            }
        }
    }

    /// One advisory lock per record filled PostgreSQL's lock table (64 per
    /// connection; with the test cluster's 300 connections, 30,000 to 40,000
    /// locks, measured), and the push failed with a 500 "out of shared
    /// memory" (`RecordLocks`).
    @Test(
        "a push naming more records than PostgreSQL's lock table holds is taken, beside small pushes to the other instance"
    )
    func pushPastTheLockTable() async throws {
        try await withInstances { one, two, _ in
            let small = (1...20).map(IDs.customer)
            _ = try await push(two, writerB, small.flatMap { writerB.newCustomer($0, name: "C", at: t0) })
            let huge = (1_001...46_000).map(IDs.customer)
            try await withThrowingTaskGroup(of: PushResponse.self) { group in
                group.addTask {
                    try await push(one, writerA, huge.flatMap { writerA.newCustomer($0, name: "H", at: t0 + 5) })
                }
                for id in small {
                    group.addTask {
                        try await push(two, writerB, [writerB.change(id, "phone", .text("1"), at: t0 + 10)])
                    }
                }
                var accepted = 0
                for try await response in group {
                    #expect(response.rejected.isEmpty)
                    accepted += response.accepted
                }
                #expect(accepted == huge.count * 3 + small.count)
            }
            #expect(try await one.digest(for: Staff.admin).rows == huge.count + small.count)
            #expect(try await two.digest(for: Staff.admin) == one.digest(for: Staff.admin))
        }
    }

    @Test(
        "a transaction's lock keys: the store-wide key shared then its records' in order; past the cap, that key alone"
    )
    func lockPlan() {
        let tables = ["customers", "interactions"]
        let few = RecordLocks(
            [("interactions", IDs.visit), ("customers", IDs.anna), ("customers", IDs.anna), ("customers", IDs.bruno)],
            tables: tables)
        #expect(few.keys.first == .storeWide && few.keys.count == 4)
        #expect(few.exclusiveKeys == [false, true, true, true])
        #expect(few.keys == few.keys.sorted(), "one order, so two transactions never wait for each other")
        #expect(
            Set(few.keys.dropFirst()) == [
                RecordLockKey(table: 0, id: IDs.anna), RecordLockKey(table: 0, id: IDs.bruno),
                RecordLockKey(table: 1, id: IDs.visit),
            ])
        let capped: [(table: String, id: String)] = (0...RecordLocks.maxRecordKeys).map {
            ("customers", IDs.customer($0))
        }
        #expect(!RecordLocks(capped.dropLast(), tables: tables).exclusive)
        let many = RecordLocks(capped, tables: tables)
        #expect(many.keys == [.storeWide] && many.exclusiveKeys == [true])
    }

    /// What the keys do in PostgreSQL, between two transactions.
    @Test("one record's lock holds back another transaction on that record, not on others; past the cap, everything waits")
    func lockModes() async throws {
        try await ScratchDatabase.using { database in
            try await database.withConnection { holder in
                try await database.withConnection { other in
                    let logger = TestServer.quiet
                    let tables = ["customers"]
                    let anna = [(table: "customers", id: IDs.anna)]
                    let bruno = [(table: "customers", id: IDs.bruno)]
                    let many = (0...RecordLocks.maxRecordKeys).map { (table: "customers", id: IDs.customer($0)) }
                    func holding(_ records: [(table: String, id: String)], _ body: () async throws -> Void)
                        async throws
                    {
                        _ = try await holder.query("BEGIN", logger: logger)
                        try await RecordLocks(records, tables: tables).take(on: holder, logger: logger)
                        try await body()
                        _ = try await holder.query("COMMIT", logger: logger)
                    }
                    // Whether another transaction gets these locks within 200 ms.
                    func othersTake(_ records: [(table: String, id: String)]) async throws -> Bool {
                        _ = try await other.query("BEGIN", logger: logger)
                        _ = try await other.query("SET LOCAL lock_timeout = '200ms'", logger: logger)
                        var taken = true
                        do {
                            try await RecordLocks(records, tables: tables).take(on: other, logger: logger)
                        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55P03" {
                            taken = false
                        }
                        _ = try await other.query("ROLLBACK", logger: logger)
                        return taken
                    }
                    try await holding(anna) {
                        let (sameRecord, otherRecord, tooMany) = try await (
                            othersTake(anna), othersTake(bruno), othersTake(many)
                        )
                        #expect(!sameRecord && otherRecord && !tooMany)
                    }
                    try await holding(many) {
                        let otherRecord = try await othersTake(bruno)
                        #expect(!otherRecord)
                    }
                    let afterwards = try await othersTake(many)
                    #expect(afterwards)
                }
            }
        }
    }

    @Test("pulls paging through one instance while both take pushes never skip a change")
    func noSkippedChanges() async throws {
        try await withInstances { one, two, _ in
            let writers = [(one, writerA), (two, writerB)]
            let total = 60
            // Pushes through both instances, while a reader pulls through either, page by page, until it has all.
            async let pushed: Void = withThrowingTaskGroup(of: Void.self) { group in
                for (store, writer) in writers {
                    group.addTask {
                        for number in 0..<total {
                            let id = IDs.customer(
                                writer.replica.rawValue == writerA.replica.rawValue ? number : 1000 + number)
                            _ = try await push(store, writer, writer.newCustomer(id, name: "C\(number)", at: t0))
                        }
                    }
                }
                try await group.waitForAll()
            }
            var seen = Set<String>()
            var cursor = PullCursor.start
            var pulls = 0
            while seen.count < 2 * total, pulls < 10_000 {
                let page = try await (pulls.isMultiple(of: 2) ? one : two).pull(
                    after: cursor, limit: 7, for: Staff.admin)
                for change in page.changeSet.changes { seen.insert(change.rowID) }
                cursor = page.cursor
                pulls += 1
            }
            try await pushed
            // Anything committed after the reader's last page comes in the pages after it.
            while true {
                let page = try await one.pull(after: cursor, limit: 7, for: Staff.admin)
                for change in page.changeSet.changes { seen.insert(change.rowID) }
                cursor = page.cursor
                if !page.more { break }
            }
            #expect(seen.count == 2 * total)
            #expect(try await one.digest(for: Staff.admin).rows == 2 * total)
        }
    }
}
