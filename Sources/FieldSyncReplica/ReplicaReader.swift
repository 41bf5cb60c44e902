import GRDB

/// Connections that only read a replica's file, beside the one connection
/// that writes it (`Replica`): in WAL mode they read while it writes, each
/// read in a snapshot of the transactions committed when it began.
package final class ReplicaReader: Sendable {
    private let pool: DatabasePool

    /// Opens up to `connections` read-only connections to the file at `path`,
    /// which must be a replica in WAL mode already (as `Replica` makes it).
    package init(path: String, connections: Int) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.maximumReaderCount = connections
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try db.execute(sql: Replica.cacheSize) }
        pool = try storageCall { try DatabasePool(path: path, configuration: configuration) }
    }

    /// Runs `body` in a read transaction on a connection of its own, off the caller's thread.
    package func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await asyncStorageCall { try await self.pool.read(body) }
    }
}

/// `storageCall` for an async body.
private func asyncStorageCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DatabaseError {
        throw ReplicaError.storage(error)
    }
}
