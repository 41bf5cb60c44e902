import FieldSyncReplica
import GRDB
import Logging

/// Copies the store's write-ahead log back into the database file from a
/// connection of its own, several times a second, so the connection serving
/// requests seldom has to. SQLite checkpoints inside the commit that fills the
/// log (32 MiB here): under `fieldsync-bench load` that stopped every request
/// queued on the store for some 50 ms about once a second, and one push in ten
/// took twice the median. A checkpoint from another connection lets the
/// writer go on; the writer's own checkpoint, when the log is full, then has
/// only the last fraction of a second left to copy, and restarts the log.
package final class WALCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let task: Task<Void, Never>

    init(path: String, every interval: Duration, logger: Logger) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            connection = try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw ReplicaError.storage(error)
        }
        let connection = connection
        task = Task.detached(priority: .utility) {
            // Said once when checkpoints start failing and once when they work again, not five times a second.
            var failing = false
            while true {
                // Stopped (the sleep throws when cancelled): no last checkpoint to fail.
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    _ = try await Self.checkpoint(connection)
                    if failing { logger.info("background WAL checkpoints work again") }
                    failing = false
                } catch {
                    // Stopped during a checkpoint (GRDB interrupts it): no failure either.
                    if Task.isCancelled { return }
                    // The writer's own checkpoint still runs when the log fills.
                    if !failing {
                        logger.warning(
                            "background WAL checkpoints fail; retrying every \(interval)",
                            metadata: ["error": "\(error)"])
                    }
                    failing = true
                }
            }
        }
    }

    deinit { task.cancel() }

    func stop() { task.cancel() }

    /// One passive checkpoint (it never waits for the writer), on GRDB's
    /// queue rather than a thread of the cooperative pool that requests need.
    /// Returns the frames in the log and how many of them are in the database file.
    @discardableResult
    package func checkpoint() async throws -> (frames: Int, checkpointed: Int) {
        try await Self.checkpoint(connection)
    }

    private static func checkpoint(_ connection: DatabaseQueue) async throws -> (frames: Int, checkpointed: Int) {
        try await connection.writeWithoutTransaction { db in
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            return (row?[1] ?? 0, row?[2] ?? 0)
        }
    }
}
