import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import PostgresNIO
import Testing

/// The PostgreSQL store's `svc_scope_changes` (`PostgresScopeChanges`): a
/// manager's pull reads only the transactions noted under her id, so every
/// path that changes records must note them, and a store where one did not
/// must still bring her every change.
@Suite("Scope changes index (PostgreSQL)")
struct PostgresScopeChangesTests {
    let sqlite = ScopeChangesTests()
    let clock = ManualWallClock(t0 + 60_000)

    func open(_ database: ScratchDatabase) async throws -> PostgresCentralStore {
        try await PostgresCentralStore(
            target: database.target, wallClock: clock.read, logger: TestServer.quiet)
    }

    /// The index as owner@seq, and whether the mark is level with the counter.
    func noted(_ database: ScratchDatabase) async throws -> (rows: [String], level: Bool) {
        try await database.withConnection { connection in
            var rows: [String] = []
            for try await (owner, seq) in try await connection.query(
                "SELECT owner, seq FROM svc_scope_changes ORDER BY seq, owner", logger: TestServer.quiet
            ).decode((String, Int64).self) {
                rows.append("\(owner)@\(seq)")
            }
            var level = false
            for try await value in try await connection.query(
                "SELECT scope_noted = seq FROM svc_state", logger: TestServer.quiet
            ).decode(Bool.self) {
                level = value
            }
            return (rows, level)
        }
    }

    @Test("pushes and reassignments are noted under the owners whose records they changed")
    func notesOwners() async throws {
        try await ScratchDatabase.using { database in
            let store = try await sqlite.fill(try await open(database))
            #expect(try await noted(database) == (["ana@1", "ben@2"], true))
            let bens = try await sqlite.pulledRows(store, for: Staff.ben)
            #expect(bens.rows == ["customers/\(IDs.bruno)"])

            let moved = try await store.reassign(customer: IDs.anna, to: "ben", by: Staff.sue)
            #expect(moved.records == 1)
            #expect(try await noted(database) == (["ana@1", "ben@2", "ben@3"], true))
            let after = try await sqlite.pulledRows(store, for: Staff.ben, after: bens.cursor)
            #expect(after.rows == ["customers/\(IDs.anna)", "interactions/\(ScopeChangesTests.visit)"])
            #expect(try await sqlite.pulledRows(store, for: Staff.ana).rows.isEmpty)
            await store.close()
        }
    }

    @Test("a store made before the index (migration 5) has it filled in when opened, and pulls bring the same rows")
    func fillsInOlderStore() async throws {
        try await ScratchDatabase.using { database in
            let store = try await sqlite.fill(try await open(database))
            let index = try await noted(database)
            let pulls = [
                try await sqlite.pulledRows(store, for: Staff.ana).rows,
                try await sqlite.pulledRows(store, for: Staff.ben).rows,
            ]
            await store.close()
            try await database.execute(PostgresMigrationTests.backToMigration5)

            let reopened = try await open(database)
            #expect(try await noted(database) == index)
            #expect(try await sqlite.pulledRows(reopened, for: Staff.ana).rows == pulls[0])
            #expect(try await sqlite.pulledRows(reopened, for: Staff.ben).rows == pulls[1])
            await reopened.close()
        }
    }

    @Test(
        "a change written without noting (an older release during an upgrade) still reaches its manager's pull, and is noted at the next start"
    )
    func unnotedChangeIsPulled() async throws {
        try await ScratchDatabase.using { database in
            let store = try await sqlite.fill(try await open(database))
            let bens = try await sqlite.pulledRows(store, for: Staff.ben)
            // As a release before the index changes Ben's customer: a transaction that takes the counter only.
            try await database.execute([
                "UPDATE svc_state SET seq = seq + 1",
                "UPDATE customers SET phone = '+41 2' WHERE id = '\(IDs.bruno)'",
                "UPDATE fs_clock_customers SET seq = (SELECT seq FROM svc_state) WHERE id = '\(IDs.bruno)'",
            ])
            #expect(try await noted(database) == (["ana@1", "ben@2"], false))
            #expect(
                try await sqlite.pulledRows(store, for: Staff.ben, after: bens.cursor).rows == [
                    "customers/\(IDs.bruno)"
                ])
            // A push that notes does not make the index whole again.
            try await sqlite.push(
                sqlite.ana.newCustomer(IDs.customer(9_999), name: "Carla", at: t0 + 10), by: sqlite.ana, as: Staff.ana,
                to: store)
            #expect(try await noted(database) == (["ana@1", "ben@2", "ana@4"], false))
            #expect(
                try await sqlite.pulledRows(store, for: Staff.ben, after: bens.cursor).rows == [
                    "customers/\(IDs.bruno)"
                ])
            await store.close()

            let reopened = try await open(database)
            #expect(try await noted(database) == (["ana@1", "ben@2", "ben@3", "ana@4"], true))
            #expect(
                try await sqlite.pulledRows(reopened, for: Staff.ben, after: bens.cursor).rows == [
                    "customers/\(IDs.bruno)"
                ])
            await reopened.close()
        }
    }

    @Test("a manager's pages through one large push are the pages an admin's walk of every change gives")
    func largePushPages() async throws {
        try await ScratchDatabase.using { database in
            let store = try await open(database)
            for manager in Staff.all { try await store.addManager(manager) }
            let customers = (1...2_500).flatMap {
                sqlite.ana.newCustomer(IDs.customer($0), name: "C\($0)", at: t0)
            }
            try await sqlite.push(customers, by: sqlite.ana, as: Staff.ana, to: store)
            try await sqlite.push(
                sqlite.ana.newCustomer(IDs.customer(9_999), name: "Carla", at: t0 + 10), by: sqlite.ana, as: Staff.ana,
                to: store)

            func pages(for manager: Manager) async throws -> [[String]] {
                var pages: [[String]] = []
                var cursor = PullCursor.start
                while true {
                    let page = try await store.pull(after: cursor, limit: 1_000, for: manager)
                    pages.append(page.changeSet.rowRuns.map { page.changeSet.changes[$0.lowerBound].rowID })
                    cursor = page.cursor
                    if !page.more { return pages }
                }
            }
            let anas = try await pages(for: Staff.ana)
            #expect(anas.map(\.count) == [1_000, 1_000, 501])
            #expect(anas == (try await pages(for: Staff.admin)))
            await store.close()
        }
    }
}
