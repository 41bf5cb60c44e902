import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import Testing

/// Each opening of a store moves the change counter past every cursor issued
/// before it (`CursorGaps`), so a cursor from a history the store lost (a
/// backup restored) is refused, while every cursor this store issued goes on.
@Suite("Cursor gaps: each opening of a store starts its counter past every earlier cursor")
struct CursorGapsTests {
    let scope = ScopeChangesTests()
    let clock = ManualWallClock(t0 + 60_000)

    @Test("the start is the wall clock × 2^20, unless the store is empty or already past it")
    func start() {
        #expect(CursorGaps.start(from: 0, now: t0) == nil)
        #expect(CursorGaps.start(from: 7, now: t0) == Int64(t0) << 20)
        #expect(CursorGaps.start(from: Int64(t0) << 20 + 1, now: t0) == nil)
        #expect(CursorGaps.start(from: 7, now: .max) == (Int64.max >> 20) << 20)
    }

    @Test("after a reopening, earlier cursors go on, a cursor in the skipped range is unknown, and new changes follow")
    func cursorsAcrossAStart() async throws {
        try await onBothStores { open in
            let bens = try await filledAndPulled(open)
            let filled = try await open()
            let start = Int64(clock.millis) << 20

            let caughtUp = try await scope.pulledRows(filled, for: Staff.ben, after: bens.cursor)
            #expect(caughtUp.rows.isEmpty && caughtUp.cursor == PullCursor(seq: start))
            let lost = PullCursor(seq: bens.cursor.seq + 3)
            let refused = await #expect(throws: ServiceError.self) {
                try await filled.pull(after: lost, limit: 100, for: Staff.ben)
            }
            #expect(refused?.code == .unknownCursor && refused?.message.contains("restored from a backup") == true)
            await #expect(throws: ServiceError.self) {
                try await filled.pull(after: PullCursor(seq: start + 1), limit: 100, for: Staff.ben)
            }

            try await scope.push(
                scope.ben.newCustomer(IDs.customer(7), name: "Carla", at: t0 + 10), by: scope.ben, as: Staff.ben,
                to: filled)
            let next = try await scope.pulledRows(filled, for: Staff.ben, after: caughtUp.cursor)
            #expect(next.rows == ["customers/\(IDs.customer(7))"] && next.cursor == PullCursor(seq: start + 1))
            // Every cursor from before the start still works: none came from the skipped range.
            #expect(try await scope.pulledRows(filled, for: Staff.ben, after: bens.cursor).rows == next.rows)
            await filled.close()
        }
    }

    @Test(
        "a push carrying a cursor from the skipped range never vouches that the device holds everything, only what the two histories share"
    )
    func pushWithLostCursor() async throws {
        try await onBothStores { open in
            let bens = try await filledAndPulled(open)
            let filled = try await open()
            let edit = [scope.ben.change(IDs.bruno, "city", .text("Porto"), at: t0 + 20)]
            let caller = SyncCaller(replica: scope.ben.replica, manager: Staff.ben)
            let lost = try await filled.push(
                ChangeSet(schemaVersion: 1, changes: edit), from: caller, cursor: PullCursor(seq: bens.cursor.seq + 3))
            #expect(lost.accepted == 1 && lost.cursor == nil, "\(lost)")
            // The same push from a cursor this store issued may move it (SQLite says so; PostgreSQL never does).
            let again = [scope.ben.change(IDs.bruno, "city", .text("Braga"), at: t0 + 30)]
            let held = try await filled.push(
                ChangeSet(schemaVersion: 1, changes: again), from: caller,
                cursor: try await scope.pulledRows(filled, for: Staff.ben, after: bens.cursor).cursor)
            #expect(held.accepted == 1 && (filled is PostgresCentralStore || held.cursor != nil), "\(held)")
            // A delete from another of Ben's devices whose lost cursor shows it had pulled Bruno as first
            // written (before the skipped range): a conflict for the city edited since, none for what it saw.
            let other = Writer(0xB2, "ben")
            let seenDeleted = scope.ben.change(IDs.bruno, "deleted", .integer(0), at: t0).version
            let deleted = try await filled.push(
                ChangeSet(
                    schemaVersion: 1,
                    changes: [other.change(IDs.bruno, "deleted", .integer(1), at: t0 + 40, base: seenDeleted)]),
                from: SyncCaller(replica: other.replica, manager: Staff.ben),
                cursor: PullCursor(seq: bens.cursor.seq + 3))
            #expect(deleted.accepted == 1 && deleted.conflicts == 1, "\(deleted)")
            await filled.close()
        }
    }

    @Test("an empty store keeps its counter")
    func emptyStore() async throws {
        try await onBothStores { open in
            await (try await open()).close()
            let store = try await open()
            for manager in Staff.all { try await store.addManager(manager) }
            try await scope.push(
                scope.ana.newCustomer(IDs.anna, name: "Anna", at: t0), by: scope.ana, as: Staff.ana, to: store)
            #expect(try await scope.pulledRows(store, for: Staff.ana).cursor == PullCursor(seq: 1))
            await store.close()
        }
    }

    /// Fills a store (`ScopeChangesTests.fill`), pulls as Ben, and closes it; returns Ben's pull.
    func filledAndPulled(_ open: () async throws -> any CentralStore) async throws -> (
        rows: [String], cursor: PullCursor
    ) {
        let store = try await scope.fill(try await open())
        let bens = try await scope.pulledRows(store, for: Staff.ben)
        await store.close()
        return bens
    }

    /// Runs `body` with a way to open one fresh SQLite store, then one fresh
    /// PostgreSQL store, again and again (each opening moves the counter on).
    func onBothStores(_ body: (_ open: () async throws -> any CentralStore) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        try await body {
            try SQLiteCentralStore(path: path, wallClock: clock.read, logger: TestServer.quiet)
        }
        try await ScratchDatabase.using { database in
            do {
                try await body {
                    try await PostgresCentralStore(
                        target: database.target, wallClock: clock.read, logger: TestServer.quiet)
                }
            } catch { throw OnPostgreSQL(error: error) }
        }
    }
}
