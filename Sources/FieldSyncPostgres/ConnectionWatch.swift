import PostgresNIO
import Synchronization

/// Watches the connection a request leased, and gives up on the statement
/// it waits for once the connection has closed: PostgresNIO drops a query
/// written as its connection closes and never answers it (`watched`
/// refuses a connection already closed; this covers a close that comes
/// while the query is on its way). Without it, the request hung for good, and the
/// service's graceful stop with it, seen ending PostgreSQL's sessions
/// under `fieldsync-bench load`.
package final class ConnectionWatch: Sendable {
    /// The watch of the request running, if it leased a connection (`PostgresCentralStore.leasing`).
    @TaskLocal package static var current: ConnectionWatch?

    /// How often the watch looks, and how long a statement may still take
    /// after its connection closed (PostgresNIO fails those it sent at once).
    static let interval = Duration.milliseconds(250)
    static let grace = Duration.seconds(1)

    /// The statement waited for, as the way to end its wait; and whether the watch gave up.
    private let state = Mutex<(pending: (@Sendable (any Error) -> Void)?, abandoned: Bool)>((nil, false))

    package init() {}

    /// Runs `work` (one statement) so that `abandon` can end the wait for it.
    /// A cancelled caller still waits for `work`: ending the wait early would
    /// hand the connection back with the statement still running on it.
    package func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard !state.withLock({ $0.abandoned }) else { throw ConnectionClosed() }
        let once = Once<T>()
        let worker = Task { once.resume(with: await Result { try await work() }) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                once.start(continuation)
                let abandoned = state.withLock { state in
                    state.pending = { once.resume(with: .failure($0)) }
                    return state.abandoned
                }
                if abandoned { once.resume(with: .failure(ConnectionClosed())) }
            }
        } onCancel: {
            worker.cancel()
        }
    }

    /// Ends the wait for the statement running, and for any after it.
    package func abandon() {
        let pending = state.withLock { state in
            state.abandoned = true
            return state.pending
        }
        pending?(ConnectionClosed())
    }

    /// Looks at `connection` until cancelled; abandons once it has been closed for `grace`.
    func watch(_ connection: PostgresConnection) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.interval)
            guard connection.isClosed else { continue }
            try? await Task.sleep(for: Self.grace)
            if !Task.isCancelled { abandon() }
            return
        }
    }
}

/// A continuation resumed once, by whichever comes first: the result or the abandonment.
private final class Once<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, result: Result<T, any Error>?)>(
        (nil, nil))

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            guard let result = state.result else {
                state.continuation = continuation
                return nil
            }
            return result
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
