import FieldSyncService
import PostgresNIO
import Synchronization

extension PostgresCentralStore {
    /// How long a request waits for a connection by default: well past a
    /// busy pool's wait (tenths of a second under the load benchmark), well
    /// short of the pool's own minute before it gives up on a server that is down.
    public static let defaultConnectionWait = Duration.seconds(5)

    /// Runs `body` on a pooled connection, waiting at most `connectionWait`
    /// for one; then fails with `NoConnectionInTime` and never runs `body`.
    func leasing<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let race = LeaseRace()
        let client = client
        let wait = connectionWait
        return try await withoutActuallyEscaping(body) { body in
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        guard race.lease() else { throw NoConnectionInTime() }
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: wait)
                    guard race.expire() else { return nil }
                    throw NoConnectionInTime()
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                preconditionFailure("the leasing task returns a result or throws")
            }
        }
    }

    /// The error for a request that got no connection: why (one connection
    /// opened outside the pool tells), looked at no more than once a second.
    func unreachable(after error: any Error) async -> ServiceError {
        let now = ContinuousClock.now
        let failure: PostgresConnectionFailure?
        if let last = lastDiagnosis.withLock({ $0 }), last.at.duration(to: now) < .seconds(1) {
            failure = last.failure
        } else {
            failure = await PostgresConnectionFailure.probe(target, logger: logger)
            lastDiagnosis.withLock { $0 = (now, failure) }
        }
        guard let failure else {
            let waited = error is NoConnectionInTime ? "within \(connectionWait)" : "(\(error))"
            return ServiceError(
                .storage,
                "PostgreSQL at \(target.location) takes connections, but none of the pool's \(target.pool.options.maximumConnections) came free \(waited): the database is overloaded or statements are stuck (see pg_stat_activity)"
            )
        }
        return ServiceError(.storage, "cannot connect to PostgreSQL at \(target.location): \(failure)")
    }
}

/// A lease that came too late: the request gave up on it.
struct NoConnectionInTime: Error {}

/// Whether a request got its connection or gave up waiting: whichever comes
/// first wins, so a connection that comes as the wait ends is not used.
private final class LeaseRace: Sendable {
    private let state = Atomic<UInt8>(0)

    func lease() -> Bool { state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged }
    func expire() -> Bool { state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged }
}
