import FieldSyncCore
import FieldSyncService

/// Fills a central store before the server starts on it: managers, their
/// tokens, and their books pushed as their devices would push them (through
/// the store's own push, so the store holds exactly what sync would leave).
struct StoreSeeder {
    let store: any CentralStore
    /// Records per push while seeding.
    private let recordsPerPush = 2_000

    /// Opens `store`, fills it with `body`, closes it, and settles it (`BenchStore.settle`).
    static func fill<T>(_ store: BenchStore, _ body: (StoreSeeder) async throws -> T) async throws -> T {
        let seeder = StoreSeeder(store: try await store.open())
        do {
            let result = try await body(seeder)
            await seeder.store.close()
            try await store.settle()
            return result
        } catch {
            await seeder.store.close()
            throw error
        }
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
