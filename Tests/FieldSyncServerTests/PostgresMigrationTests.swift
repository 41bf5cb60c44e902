import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import PostgresNIO
import Testing

/// A store made by an earlier release, upgraded in place: the migrations it
/// lacks run over its data, and sync goes on from where it was.
@Suite("PostgreSQL: a store at migration 1 upgraded in place")
struct PostgresMigrationTests {
    let writer = Writer(0xa1, "ana")
    let clock = ManualWallClock(t0 + 60_000)

    /// What migration 7 (`CursorGaps`) adds, taken away again.
    static let backToMigration6 = [
        "DROP TABLE svc_cursor_gaps",
        "DELETE FROM svc_migrations WHERE version = 7",
    ]

    /// What migrations 7 and 6 (`PostgresScopeChanges`) add, taken away again; the trigger
    /// function stays until an earlier state drops it or the upgrade replaces it.
    static let backToMigration5 =
        backToMigration6 + [
            "DROP TABLE svc_scope_changes",
            "ALTER TABLE svc_state DROP COLUMN scope_noted",
            "DELETE FROM svc_migrations WHERE version = 6",
        ]

    /// What migrations 7 to 5 (5: `PostgresLayout.recordMoves`) add, taken away again.
    static let backToMigration4 =
        backToMigration5 + [
            "DROP TABLE svc_moves",
            "DELETE FROM svc_migrations WHERE version = 5",
        ]

    /// What migrations 7 to 4 (4: `PostgresLayout.markersFromSequence`) add, taken away again.
    static let backToMigration3 =
        backToMigration4 + [
            "DROP SEQUENCE svc_markers",
            "DELETE FROM svc_migrations WHERE version = 4",
        ]

    /// What migrations 7 to 2 add (3 and 2: `PostgresLayout.logSeqsByMarker`, `counterAtCommit`), taken away again:
    /// log entries get their seqs back in place.
    static let backToMigration1 =
        backToMigration3 + [
            "UPDATE svc_log l SET seq = s.seq FROM svc_log_seqs s WHERE l.seq = s.marker",
            "DROP TABLE svc_log_seqs",
            "DELETE FROM svc_migrations WHERE version = 3",
            "DROP TRIGGER svc_take_counter ON svc_commits",
            "DROP FUNCTION svc_take_counter()",
            "DROP TABLE svc_commits",
            "DELETE FROM svc_migrations WHERE version = 2",
        ]

    func open(_ database: ScratchDatabase) async throws -> PostgresCentralStore {
        try await PostgresCentralStore(
            target: database.target, wallClock: clock.read, logger: TestServer.quiet)
    }

    func push(_ store: PostgresCentralStore, _ changes: [FieldChange]) async throws -> PushResponse {
        try await store.push(
            ChangeSet(schemaVersion: 1, changes: changes),
            from: SyncCaller(replica: writer.replica, manager: Staff.ana),
            cursor: nil)
    }

    @Test(
        "migrations 2 to 7 run over existing data; the counter goes on, and a pull after the old cursor brings only what is new"
    )
    func upgradeKeepsTheCounter() async throws {
        try await ScratchDatabase.using { database in
            let old = try await open(database)
            for manager in Staff.all { try await old.addManager(manager) }
            let created = try await push(old, writer.newCustomer(IDs.anna, name: "Anna", at: t0))
            let seen = try await old.pull(after: .start, limit: 1000, for: Staff.ana).cursor
            await old.close()
            try await database.execute(Self.backToMigration1)

            let upgraded = try await open(database)
            let added = try await push(upgraded, writer.newCustomer(IDs.bruno, name: "Bruno", at: t0 + 10))
            #expect(created.accepted > 0 && created.rejected.isEmpty)
            #expect(added.accepted > 0 && added.rejected.isEmpty)
            let new = try await upgraded.pull(after: seen, limit: 1000, for: Staff.ana)
            #expect(Set(new.changeSet.changes.map(\.rowID)) == [IDs.bruno])
            // The first transaction after the counter moved past the earlier opening's (`CursorGaps`).
            #expect(new.cursor == PullCursor(seq: Int64(clock.millis) << 20 + 1))
            let all = try await upgraded.pull(after: .start, limit: 1000, for: Staff.ana)
            #expect(Set(all.changeSet.changes.map(\.rowID)) == [IDs.anna, IDs.bruno])
            #expect(all.cursor == new.cursor)
            await upgraded.close()
        }
    }

    @Test("a store a newer release upgraded is refused, naming both migration levels, and left as it was")
    func newerStoreRefused() async throws {
        try await ScratchDatabase.using { database in
            let store = try await open(database)
            await store.close()
            try await database.execute(["INSERT INTO svc_migrations(version, applied_at) VALUES (99, 0)"])
            let refused = await #expect(throws: ServiceError.self) { try await open(database) }
            #expect(
                refused?.code == .storage && refused?.message.contains("upgraded by a newer release") == true
                    && refused?.message.contains("migration 99") == true, "\(String(describing: refused))")
        }
    }

    @Test(
        "a store restored from a dump into a new cluster, its log's markers ahead of the cluster's transaction ids: once upgraded, pushes commit"
    )
    func restoredStoreTakesPushes() async throws {
        try await ScratchDatabase.using { database in
            let old = try await open(database)
            for manager in Staff.all { try await old.addManager(manager) }
            _ = try await push(old, writer.newCustomer(IDs.anna, name: "Anna", at: t0))
            await old.close()
            // Markers were transaction ids: those the new cluster hands out next were used in the old one.
            try await database.execute(
                Self.backToMigration3 + [
                    "INSERT INTO svc_log_seqs(marker, seq) SELECT -(txid_current() + g), 1 FROM generate_series(1, 1000) AS g"
                ])

            let upgraded = try await open(database)
            for number in 11...13 {
                let pushed = try await push(
                    upgraded, writer.newCustomer(IDs.customer(number), name: "C\(number)", at: t0 + UInt64(number)))
                #expect(pushed.accepted > 0 && pushed.rejected.isEmpty)
            }
            let all = try await upgraded.pull(after: .start, limit: 1000, for: Staff.ana)
            #expect(Set(all.changeSet.changes.map(\.rowID)).count == 4)
            await upgraded.close()
        }
    }

    @Test(
        "a store whose migration waits longer than the 15 s allowed for connecting (another instance holds the migration lock) starts once it may migrate"
    )
    func slowMigrationIsNoConnectionFailure() async throws {
        try await ScratchDatabase.using { database in
            let logger = TestServer.quiet
            try await database.withConnection { connection in
                let lock = PostgresCentralStore.migrationLock
                _ = try await connection.query("SELECT pg_advisory_lock(\(lock))", logger: logger)
                async let opened = open(database)
                try await Task.sleep(for: .seconds(17))
                _ = try await connection.query("SELECT pg_advisory_unlock(\(lock))", logger: logger)
                let store = try await opened
                #expect(try await push(store, writer.newCustomer(IDs.anna, name: "Anna", at: t0)).accepted > 0)
                await store.close()
            }
        }
    }
}
