import FieldSyncCore
import FieldSyncService
import FieldSyncTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// The SQLite store copies its write-ahead log into the database file from a
/// connection of its own, so requests seldom wait for a checkpoint.
@Suite("Background WAL checkpoints")
struct WALCheckpointerTests {
    @Test("the store's log is checkpointed from another connection while the store stays open and writing")
    func checkpointsBesideTheWriter() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("central.db")
        let store = try SQLiteCentralStore(
            path: path, wallClock: ManualWallClock(1_800_000_000_000).read, backgroundCheckpoints: .seconds(3600),
            logger: TestServer.quiet)
        // Nothing the store holds in memory is needed to read what the checkpoint copied.
        try await store.addManager(Manager(id: "ana", name: "Ana", branch: "north", role: .manager))
        let first = try await #require(store.checkpointer).checkpoint()
        #expect(first.frames > 0 && first.checkpointed == first.frames, "\(first)")

        try await store.addManager(Manager(id: "ben", name: "Ben", branch: "north", role: .manager))
        let second = try await #require(store.checkpointer).checkpoint()
        // The writer restarts a log that was copied whole, so this one may be shorter than the first.
        #expect(second.frames > 0 && second.checkpointed == second.frames, "\(second)")

        // The database file alone, without its log, holds both managers.
        let copy = directory.file("copy.db")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let file = try DatabaseQueue(path: copy)
        let managers = try await file.read { try String.fetchAll($0, sql: "SELECT id FROM svc_managers ORDER BY id") }
        #expect(managers == ["ana", "ben"])
        await store.close()
    }

    @Test("stopping the store stops the checkpoints without a warning (the server's log on every shutdown)")
    func stopsQuietly() async throws {
        let directory = TemporaryDirectory()
        let log = RecordedLog()
        // Checkpoints back to back, so that stopping often lands in one (the race the server's shutdown ran into).
        for round in 0..<30 {
            let store = try SQLiteCentralStore(
                path: directory.file("central\(round).db"), wallClock: ManualWallClock(1_800_000_000_000).read,
                backgroundCheckpoints: .microseconds(1), logger: Logger(label: "test") { _ in log })
            try await store.addManager(Manager(id: "ana", name: "Ana", branch: "north", role: .manager))
            try await Task.sleep(for: .milliseconds(5))
            await store.close()
        }
        // Each checkpoint task wakes when stopped; give them time to (not) complain.
        try await Task.sleep(for: .milliseconds(200))
        #expect(log.entries.filter { $0.hasPrefix("warning") }.isEmpty, "\(log.entries)")
    }
}
