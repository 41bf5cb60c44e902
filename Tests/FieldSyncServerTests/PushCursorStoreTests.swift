import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import GRDB
import Testing

/// When a store's answer to a push carries a cursor: only when nothing the
/// caller's pull would bring happened after the cursor the push carried,
/// and the push was taken whole.
@Suite("Push cursor: when a store gives one")
struct PushCursorStoreTests {
    let books = ScopeChangesTests()

    func push(
        _ changes: [FieldChange], by writer: Writer, as manager: Manager, cursor: PullCursor?,
        to store: any CentralStore
    ) async throws -> PushResponse {
        try await store.push(
            ChangeSet(schemaVersion: 1, changes: changes), from: SyncCaller(replica: writer.replica, manager: manager),
            cursor: cursor)
    }

    @Test("a manager in step gets the cursor where her pull would now end; otherwise none")
    func givenOnlyWhenInStep() async throws {
        try await onBothStores { store in
            let ana = books.ana
            let held = try await books.pulledRows(store, for: Staff.ana).cursor
            let phone = [ana.change(IDs.anna, "phone", .text("+41 1"), at: t0 + 1_000, base: ana.version(t0))]

            let answer = try await push(phone, by: ana, as: Staff.ana, cursor: held, to: store)
            let after = try #require(answer.cursor)
            #expect(after == (try await books.pulledRows(store, for: Staff.ana).cursor))
            #expect(try await books.pulledRows(store, for: Staff.ana, after: after).rows.isEmpty)

            #expect(try await push(phone, by: ana, as: Staff.ana, cursor: after, to: store).cursor == nil, "a re-send")
            let city = [ana.change(IDs.anna, "city", .text("Bern"), at: t0 + 2_000)]
            #expect(try await push(city, by: ana, as: Staff.ana, cursor: held, to: store).cursor == nil, "behind")

            // From the latest cursor, each time a change not sent before: only the plain cursor gets one.
            let latest = try await books.pulledRows(store, for: Staff.ana).cursor
            func notes(_ text: String, _ millis: UInt64) -> [FieldChange] {
                [ana.change(IDs.anna, "notes", .text(text), at: t0 + millis)]
            }
            let midway = PullCursor(seq: latest.seq, position: (0, IDs.anna))
            #expect(try await push(notes("a", 3_000), by: ana, as: Staff.ana, cursor: midway, to: store).cursor == nil)
            let unissued = PullCursor(seq: latest.seq + 100)
            #expect(
                try await push(notes("b", 4_000), by: ana, as: Staff.ana, cursor: unissued, to: store).cursor == nil)
            let now = try await books.pulledRows(store, for: Staff.ana).cursor
            #expect(try await push(notes("c", 5_000), by: ana, as: Staff.ana, cursor: now, to: store).cursor != nil)
        }
    }

    @Test("no cursor for a push that is refused in part, or from a supervisor")
    func notForPartialOrSupervisor() async throws {
        try await onBothStores { store in
            let ana = books.ana
            let held = try await books.pulledRows(store, for: Staff.ana).cursor
            let mixed = [
                ana.change(IDs.anna, "phone", .text("+41 1"), at: t0 + 1_000),
                ana.change(IDs.bruno, "phone", .text("+41 9"), at: t0 + 1_000),
            ]
            let partly = try await push(mixed, by: ana, as: Staff.ana, cursor: held, to: store)
            #expect(partly.rejected.map(\.code) == [.forbidden] && partly.cursor == nil)

            let sue = Writer(0x5, "sue")
            let all = try await books.pulledRows(store, for: Staff.sue).cursor
            let edit = [sue.change(IDs.anna, "city", .text("Zug"), at: t0 + 2_000)]
            let supervised = try await push(edit, by: sue, as: Staff.sue, cursor: all, to: store)
            #expect(supervised.accepted == 1 && supervised.cursor == nil)
        }
    }

    @Test("an outside edit of the service's file, stamped as a push begins, still reaches the pushing device")
    func outsideEditIsPulled() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let store = try await books.filledStore(at: path)
        let ana = books.ana
        let held = try await books.pulledRows(store, for: Staff.ana).cursor
        try await DatabaseQueue(path: path).write {
            try $0.execute(sql: "UPDATE customers SET phone = '+41 7' WHERE id = ?", arguments: [IDs.anna])
        }
        let city = [ana.change(IDs.anna, "city", .text("Bern"), at: t0 + 1_000)]
        let answer = try await push(city, by: ana, as: Staff.ana, cursor: held, to: store)
        #expect(answer.accepted == 1 && answer.cursor == nil)
        let pulled = try await store.pull(after: held, limit: 100, for: Staff.ana)
        #expect(pulled.changeSet.changes.contains { $0.column == "phone" && $0.value == .text("+41 7") })
        await store.close()
    }

    /// Runs `body` on a filled SQLite store (`ScopeChangesTests.filledStore`), then on a PostgreSQL one filled alike.
    func onBothStores(_ body: (any CentralStore) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let sqlite = try await books.filledStore(at: directory.file("central.db"))
        do { try await body(sqlite) } catch {
            await sqlite.close()
            throw error
        }
        await sqlite.close()
        try await ScratchDatabase.using { database in
            let postgres = try await books.fill(
                try await PostgresCentralStore(
                    target: database.target, wallClock: ManualWallClock(t0).read, logger: TestServer.quiet))
            do { try await body(postgres) } catch {
                await postgres.close()
                throw OnPostgreSQL(error: error)
            }
            await postgres.close()
        }
    }
}
