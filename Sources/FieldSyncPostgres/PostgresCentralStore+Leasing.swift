import FieldSyncService
import PostgresNIO
import Synchronization

extension PostgresCentralStore {
    /// How long a request waits for a connection by default: well past a
    /// busy pool's wait (tenths of a second under the load benchmark), well
    /// short of the pool's own minute before it gives up on a server that is down.
    public static let defaultConnectionWait = Duration.seconds(5)

    /// Runs `body` on a pooled connection, waiting at most `wait` for one.
    /// When none comes (in time, or the pool gave up connecting) it throws
    /// `NoConnection` and never runs `body`.
    func leasing<T: Sendable>(
        wait: Duration, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let race = LeaseRace()
        let client = client
        let timer: @Sendable () async throws -> Void = {
            try await Task.sleep(for: wait)
            if race.expire() { throw NoConnection(cause: nil) }
        }
        return try await alongside(timer) {
            do {
                return try await client.withConnection { connection in
                    guard race.lease() else { throw NoConnection(cause: nil) }
                    return try await watching(connection, body)
                }
            } catch let error where race.isOpen && !Task.isCancelled {
                throw NoConnection(cause: error)  // the pool's: it could not connect
            }
        }
    }

    /// The error for a request that got no connection: PostgreSQL
    /// unreachable (and why), or reachable with every pooled connection busy.
    func unreachable(_ error: NoConnection, waited wait: Duration) async -> ServiceError {
        if let failure = await diagnosed() { return failure.error(at: target.location) }
        guard error.cause == nil else {
            // The pool gave up after failing to connect for a minute, and tries again after pauses that grow.
            return ServiceError(
                .storage,
                "PostgreSQL at \(target.location) takes connections again, but this instance's pool has not reconnected yet (after an outage it retries with pauses of up to a minute); requests work again once it has"
            )
        }
        return ServiceError(
            .storage,
            "PostgreSQL at \(target.location) takes connections, but none of the pool's \(target.pool.options.maximumConnections) came free within \(wait): the database is overloaded or statements are stuck (see pg_stat_activity)"
        )
    }

    /// Why no connection can be made, nil when one can: one connection
    /// opened outside the pool tells. Requests failing together share one
    /// look, and a look stands for a second after it ends, so an outage
    /// (or callers of `/ready`) cannot make the service open a connection per request.
    func diagnosed() async -> PostgresConnectionFailure? {
        let (target, logger) = (target, logger)
        let look = lastDiagnosis.withLock { last in
            if let last, last.ended.map({ $0.duration(to: .now) < .seconds(1) }) ?? true { return last.look }
            let look = Task { await PostgresConnectionFailure.probe(target, logger: logger) }
            last = (look, nil)
            return look
        }
        let failure = await look.value
        lastDiagnosis.withLock { last in
            if last?.look == look, last?.ended == nil { last?.ended = .now }
        }
        return failure
    }
}

/// Runs `body` on `connection` while a `ConnectionWatch` looks at it.
private func watching<T: Sendable>(
    _ connection: PostgresConnection, _ body: @Sendable (PostgresConnection) async throws -> T
) async throws -> T {
    let watch = ConnectionWatch()
    return try await alongside({ await watch.watch(connection) }) {
        try await ConnectionWatch.$current.withValue(watch) { try await body(connection) }
    }
}

/// Runs `body` with `companion` (a timer, a watch) beside it: `body`'s
/// result, or the first error either throws. `companion` ending on its own
/// does not end the wait, and it is cancelled once `body` ends.
private func alongside<T: Sendable>(
    _ companion: @escaping @Sendable () async throws -> Void, _ body: @Sendable () async throws -> T
) async throws -> T {
    try await withoutActuallyEscaping(body) { body in
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await companion()
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            preconditionFailure("the body returns a result or throws")
        }
    }
}

/// No pooled connection came: in time (`cause` nil), or the pool gave up connecting.
struct NoConnection: Error {
    let cause: (any Error)?
}

/// Whether a request got its connection or gave up waiting: whichever comes
/// first wins, so a connection that comes as the wait ends is not used.
private final class LeaseRace: Sendable {
    private let state = Atomic<UInt8>(0)

    var isOpen: Bool { state.load(ordering: .acquiring) == 0 }
    func lease() -> Bool { state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged }
    func expire() -> Bool { state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged }
}
