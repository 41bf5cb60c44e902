import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import FieldSyncTestSupport
import Foundation
import GRDB
import Testing

/// The SQLite store notes which managers' customers each transaction
/// changed (`svc_scope_changes`), and a manager's pull reads only those
/// transactions. Whatever path changes a record must be noted, or her
/// device would never receive the change.
@Suite("Scope changes index (SQLite)")
struct ScopeChangesTests {
    let ana = Writer(0xA, "ana")
    let ben = Writer(0xB, "ben")
    static let visit = "f1e1d000-0000-4000-8000-000000000001"

    func openStore(at path: String) throws -> SQLiteCentralStore {
        try SQLiteCentralStore(path: path, wallClock: ManualWallClock(t0).read, logger: TestServer.quiet)
    }

    /// A store with Ana's customer and a visit to it (one push), then Ben's customer (another).
    func filledStore(at path: String) async throws -> SQLiteCentralStore {
        try await fill(try openStore(at: path))
    }

    /// Fills `store` as `filledStore` describes (also for the PostgreSQL suite).
    func fill<Store: CentralStore>(_ store: Store) async throws -> Store {
        for manager in [Staff.ana, Staff.ben, Staff.sue] { try await store.addManager(manager) }
        let anaVisit = [
            ("customer_id", Value.text(IDs.anna)), ("channel", .text("visit")),
            ("occurred_at", .text("2026-11-02T10:00:00Z")), ("deleted", .integer(0)),
        ].map { ana.change(Self.visit, $0.0, $0.1, at: t0, table: "interactions") }
        try await push(ana.newCustomer(IDs.anna, name: "Anna", at: t0) + anaVisit, by: ana, as: Staff.ana, to: store)
        try await push(ben.newCustomer(IDs.bruno, name: "Bruno", at: t0), by: ben, as: Staff.ben, to: store)
        return store
    }

    func push(_ changes: [FieldChange], by writer: Writer, as manager: Manager, to store: any CentralStore)
        async throws
    {
        let response = try await store.push(
            ChangeSet(schemaVersion: 1, changes: changes), from: SyncCaller(replica: writer.replica, manager: manager),
            cursor: nil)
        try #require(response.rejected.isEmpty && response.accepted == changes.count, "\(response)")
    }

    /// The index as (owner, seq) pairs, read from a connection of the test's own.
    func noted(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT owner, seq FROM svc_scope_changes ORDER BY seq, owner").map {
                "\($0["owner"] as String)@\($0["seq"] as Int64)"
            }
        }
    }

    /// The rows (table and id) a manager's pull from `cursor` brings, and where it ends.
    func pulledRows(_ store: any CentralStore, for manager: Manager, after cursor: PullCursor = .start)
        async throws -> (rows: [String], cursor: PullCursor)
    {
        let page = try await store.pull(after: cursor, limit: 100, for: manager)
        #expect(!page.more)
        let changes = page.changeSet.changes
        return (
            page.changeSet.rowRuns.map { "\(changes[$0.lowerBound].table)/\(changes[$0.lowerBound].rowID)" },
            page.cursor
        )
    }

    @Test("each transaction is noted under the owners whose records it changed, a reassignment under the new owner")
    func notesOwners() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let store = try await filledStore(at: path)
        #expect(try noted(path) == ["ana@1", "ben@2"])
        #expect(
            try await pulledRows(store, for: Staff.ana).rows == ["customers/\(IDs.anna)", "interactions/\(Self.visit)"])
        let bens = try await pulledRows(store, for: Staff.ben)
        #expect(bens.rows == ["customers/\(IDs.bruno)"])

        // Sue gives Anna to Ben: the customer and its visit reach Ben's next pull.
        let moved = try await store.reassign(customer: IDs.anna, to: "ben", by: Staff.sue)
        #expect(moved.records == 1)
        #expect(try noted(path) == ["ana@1", "ben@2", "ben@3"])
        let after = try await pulledRows(store, for: Staff.ben, after: bens.cursor)
        #expect(after.rows == ["customers/\(IDs.anna)", "interactions/\(Self.visit)"])
        #expect(try await pulledRows(store, for: Staff.ana).rows.isEmpty)
        await store.close()
    }

    @Test("a store made before the index has it filled in when opened, and pulls bring the same rows")
    func fillsInOlderStore() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let store = try await filledStore(at: path)
        let index = try noted(path)
        let pulls = [
            try await pulledRows(store, for: Staff.ana).rows, try await pulledRows(store, for: Staff.ben).rows,
        ]
        await store.close()
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "DROP TABLE svc_scope_changes") }

        let reopened = try openStore(at: path)
        #expect(try noted(path) == index)
        #expect(try await pulledRows(reopened, for: Staff.ana).rows == pulls[0])
        #expect(try await pulledRows(reopened, for: Staff.ben).rows == pulls[1])
        await reopened.close()
    }

    @Test("changes written by a program that does not note them (an older release) are noted when the store is opened")
    func fillsInUnnotedChanges() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let store = try await filledStore(at: path)
        let bens = try await pulledRows(store, for: Staff.ben)
        await store.close()
        // The file opened as a plain replica, as a release before the index would: Ben's customer changes, unnoted.
        let plain = try Replica.open(at: path, wallClock: ManualWallClock(t0 + 1_000).read)
        try plain.write("customers", id: IDs.bruno, values: [("phone", .text("+41 2"))])
        #expect(try noted(path) == ["ana@1", "ben@2"])

        let reopened = try openStore(at: path)
        #expect(try noted(path) == ["ana@1", "ben@2", "ben@3"])
        #expect(try await pulledRows(reopened, for: Staff.ben, after: bens.cursor).rows == ["customers/\(IDs.bruno)"])
        await reopened.close()
    }
}
