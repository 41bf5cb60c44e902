import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import FieldSyncTestSupport
import Foundation
import GRDB
import Synchronization
import Testing

/// The SQLite store reads pulls beside its one writer (`ReplicaReader`):
/// a pull neither waits for a write nor sees one half done.
@Suite("SQLite store: pulls read beside the writer")
struct StoreReaderTests {
    let ana = Writer(0xA, "ana")

    @Test("a pull answers while a push waits for the file's write lock, and sees what was committed before it")
    func pullDoesNotWaitForWrites() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let store = try SQLiteCentralStore(path: path, wallClock: ManualWallClock(t0).read, logger: TestServer.quiet)
        try await store.addManager(Staff.ana)
        let caller = SyncCaller(replica: ana.replica, manager: Staff.ana)
        _ = try await store.push(
            ChangeSet(schemaVersion: 1, changes: ana.newCustomer(IDs.anna, name: "Anna", at: t0)), from: caller,
            cursor: nil)

        // The pull noted for the branch report, so the next one has nothing to write.
        _ = try await store.pull(after: .start, limit: 100, for: Staff.ana)

        // Another program holds the write lock, so the next push waits (in the store's one writer).
        let outside = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread {
            try? outside.write { db in
                try db.execute(sql: "UPDATE fs_meta SET value = value WHERE key = 'seq'")
                locked.signal()
                release.wait()
            }
        }.start()
        await withCheckedContinuation { done in
            DispatchQueue.global().async {
                locked.wait(); done.resume()
            }
        }
        let pushing = Task {
            try await store.push(
                ChangeSet(schemaVersion: 1, changes: ana.newCustomer(IDs.bruno, name: "Bruno", at: t0 + 1)),
                from: caller, cursor: nil)
        }
        try await Task.sleep(for: .milliseconds(300))

        let pulled = Mutex<PullResponse?>(nil)
        let pulling = Task {
            let page = try await store.pull(after: .start, limit: 100, for: Staff.ana)
            pulled.withLock { $0 = page }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while pulled.withLock({ $0 == nil }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let page = pulled.withLock { $0 }
        release.signal()
        let pushed = try await pushing.value
        try await pulling.value

        let rows = try #require(page, "the pull waited for the push").changeSet.changes.map(\.rowID)
        #expect(Set(rows) == [IDs.anna])
        #expect(pushed.accepted > 0 && pushed.rejected.isEmpty)
        let after = try await store.pull(after: .start, limit: 100, for: Staff.ana)
        #expect(Set(after.changeSet.changes.map(\.rowID)) == [IDs.anna, IDs.bruno])
    }
}
