import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import Testing

/// Each service run moves the change counter past every cursor issued
/// before it (`CursorGaps`), so a cursor from a history the store lost (a
/// backup restored) is refused, while every cursor this store issued goes on.
@Suite("Cursor gaps: a service run starts its counter past every earlier cursor")
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

    @Test("after a start, earlier cursors go on, a cursor in the skipped range is unknown, and new changes follow")
    func cursorsAcrossAStart() async throws {
        try await onBothStores { store in
            let filled = try await scope.fill(store)
            let bens = try await scope.pulledRows(filled, for: Staff.ben)
            try await filled.startServing()
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
        }
    }

    @Test("a push carrying a cursor from the skipped range vouches for nothing: its answer moves no cursor")
    func pushWithLostCursor() async throws {
        try await onBothStores { store in
            let filled = try await scope.fill(store)
            let bens = try await scope.pulledRows(filled, for: Staff.ben)
            try await filled.startServing()
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
        }
    }

    @Test("an empty store keeps its counter")
    func emptyStore() async throws {
        try await onBothStores { store in
            try await store.startServing()
            for manager in Staff.all { try await store.addManager(manager) }
            try await scope.push(
                scope.ana.newCustomer(IDs.anna, name: "Anna", at: t0), by: scope.ana, as: Staff.ana, to: store)
            #expect(try await scope.pulledRows(store, for: Staff.ana).cursor == PullCursor(seq: 1))
        }
    }

    /// Runs `body` with a fresh SQLite store, then a fresh PostgreSQL one, closing each after.
    func onBothStores(_ body: (any CentralStore) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let sqlite = try SQLiteCentralStore(
            path: directory.file("central.db"), wallClock: clock.read, logger: TestServer.quiet)
        try await body(sqlite)
        await sqlite.close()
        try await ScratchDatabase.using { database in
            let postgres = try await PostgresCentralStore(
                configuration: database.configuration, wallClock: clock.read, logger: TestServer.quiet)
            do { try await body(postgres) } catch {
                await postgres.close()
                throw OnPostgreSQL(error: error)
            }
            await postgres.close()
        }
    }
}
