import FieldSyncCore
import FieldSyncService
import Logging

/// Fills a central store before the server starts on it: managers, their
/// tokens, and their books pushed as their devices would push them (through
/// the store's own push, so the store holds exactly what sync would leave).
struct StoreSeeder {
    let store: SQLiteCentralStore
    /// Records per push while seeding.
    private let recordsPerPush = 2_000

    init(path: String) throws {
        var logger = Logger(label: "fieldsync-bench")
        logger.logLevel = .warning
        store = try SQLiteCentralStore(path: path, logger: logger)
    }

    /// Adds the manager and returns a fresh token for them.
    func addManager(_ manager: Manager) async throws -> String {
        try await store.addManager(manager)
        return try await store.issueToken(for: manager.id)
    }

    /// Pushes whole records (each an array of its fields) as `manager`'s device `replica`.
    func push(_ records: some Sequence<[FieldChange]>, as manager: Manager, replica: ReplicaID) async throws {
        var batch: [FieldChange] = []
        var count = 0
        for record in records {
            batch += record
            count += 1
            if count == recordsPerPush {
                try await send(batch, as: manager, replica: replica)
                batch.removeAll(keepingCapacity: true)
                count = 0
            }
        }
        if !batch.isEmpty { try await send(batch, as: manager, replica: replica) }
    }

    private func send(_ changes: [FieldChange], as manager: Manager, replica: ReplicaID) async throws {
        let response = try await store.push(
            ChangeSet(schemaVersion: Schema.default.version, changes: changes),
            from: SyncCaller(replica: replica, manager: manager), cursor: nil)
        if let first = response.rejected.first {
            throw BenchmarkError(
                "seeding: the store rejected \(response.rejected.count) changes, the first \(first.field): \(first.message) [\(first.code.rawValue)]"
            )
        }
    }
}
