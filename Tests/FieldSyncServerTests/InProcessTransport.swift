import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import Foundation
import Logging

/// A `SyncTransport` that calls the central store directly, every message
/// going through its JSON wire form, and fails on cue: the Synchronizer's
/// logic tested without HTTP (the HTTP transport is tested against the server).
final class InProcessTransport: SyncTransport, @unchecked Sendable {
    let store: SQLiteCentralStore
    private let lock = NSLock()
    private var _pushes = 0
    private var _pulls = 0
    private var _failPullNumber: Int?
    private var _offline = false
    private var _extraRejection: ErrorCode?
    private var _refuseNextPushForSkew = false

    init(store: SQLiteCentralStore) { self.store = store }

    /// Requests made so far.
    var pushes: Int { lock.withLock { _pushes } }
    var pulls: Int { lock.withLock { _pulls } }
    /// Every request fails as if the network were down.
    var offline: Bool {
        get { lock.withLock { _offline } }
        set { lock.withLock { _offline = newValue } }
    }
    /// The pull request with this number (1 = first) fails, as a dropped connection would.
    var failPullNumber: Int? {
        get { lock.withLock { _failPullNumber } }
        set { lock.withLock { _failPullNumber = newValue } }
    }
    /// The first change of every push comes back rejected with this code.
    var extraRejection: ErrorCode? {
        get { lock.withLock { _extraRejection } }
        set { lock.withLock { _extraRejection = newValue } }
    }

    /// The next push is refused whole with `clock_skew` and the service's time, as an HTTP 4xx would.
    var refuseNextPushForSkew: Bool {
        get { lock.withLock { _refuseNextPushForSkew } }
        set { lock.withLock { _refuseNextPushForSkew = newValue } }
    }

    static let unreachable = SyncError(.unreachable, "cannot reach the service (test)")

    private func checkOnline() throws {
        if offline { throw Self.unreachable }
    }

    func push(_ request: PushRequest) async throws -> PushResponse {
        try checkOnline()
        lock.withLock { _pushes += 1 }
        if lock.withLock({ () -> Bool in
            defer { _refuseNextPushForSkew = false }
            return _refuseNextPushForSkew
        }) {
            throw SyncError(.clockSkew, "the request is stamped ahead of the service's clock", serverTimeMillis: store.now())
        }
        let wire = try roundTrip(request)
        var outcome = try await store.push(
            wire.changeSet, from: SyncCaller(replica: wire.replica, manager: wire.manager), cursor: wire.cursor)
        if let code = extraRejection, let first = wire.changeSet.changes.first,
            !outcome.rejected.contains(where: { $0.field == first.field })
        {
            outcome.rejected.append(
                ChangeRejection(field: first.field, version: first.version, code: code, message: "refused by the test"))
            outcome.accepted -= 1
        }
        return try roundTrip(
            PushResponse(
                accepted: outcome.accepted, rejected: outcome.rejected, conflicts: outcome.conflicts,
                serverTimeMillis: outcome.serverTimeMillis))
    }

    func pull(after cursor: PullCursor, limit: Int) async throws -> PullResponse {
        try checkOnline()
        let number = lock.withLock {
            _pulls += 1
            return _pulls
        }
        if number == failPullNumber { throw Self.unreachable }
        let page = try await store.pull(after: cursor, limit: limit)
        return try roundTrip(
            PullResponse(changeSet: page.changeSet, cursor: page.cursor, more: page.more, serverTimeMillis: store.now()))
    }

    func digest() async throws -> DigestResponse {
        try checkOnline()
        let (digest, rows) = try await store.digest()
        return DigestResponse(digest: digest, rows: rows, serverTimeMillis: store.now())
    }

    func conflicts(status: Conflict.Status?) async throws -> [Conflict] {
        try checkOnline()
        return try roundTrip(ConflictListResponse(try await store.conflicts(status: status))).conflicts.map(\.conflict)
    }

    func conflict(id: Int64) async throws -> Conflict {
        try checkOnline()
        return try roundTrip(ConflictDocument(try await store.conflict(id: id))).conflict
    }

    func settle(id: Int64, _ request: SettleRequest) async throws -> Conflict {
        try checkOnline()
        let wire = try roundTrip(request)
        return try roundTrip(ConflictDocument(try await store.settle(conflict: id, wire.resolution, by: wire.manager)))
            .conflict
    }

    private func roundTrip<T: Codable>(_ value: T) throws -> T {
        try WireJSON.decode(T.self, from: WireJSON.encode(value))
    }
}

/// A wall clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64
    init(_ millis: UInt64) { value = millis }
    var millis: UInt64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
    func advance(_ millis: UInt64) { self.millis += millis }
    var read: @Sendable () -> UInt64 { { self.millis } }
}

/// A directory with a central store and replicas, removed when the test ends.
final class SyncWorld {
    static let start: UInt64 = 1_760_000_000_000
    let directory: String
    let serviceClock = TestClock(SyncWorld.start)
    let store: SQLiteCentralStore
    let transport: InProcessTransport

    init() throws {
        directory = NSTemporaryDirectory() + "fieldsync-sync-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteCentralStore(
            path: directory + "/central.db", wallClock: serviceClock.read,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        transport = InProcessTransport(store: store)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A device whose clock runs `ahead` milliseconds ahead of the service's.
    func device(_ name: String, manager: String?, ahead: UInt64 = 0) throws -> (Replica, TestClock) {
        let clock = TestClock(SyncWorld.start + ahead)
        let replica = try Replica.create(at: directory + "/\(name).db", managerID: manager, wallClock: clock.read)
        return (replica, clock)
    }

    func synchronizer(_ replica: Replica, clock: TestClock, pushBatchSize: Int = 2_000, pullPageLimit: Int = 1_000)
        -> Synchronizer
    {
        Synchronizer(
            replica: replica, transport: transport, pushBatchSize: pushBatchSize, pullPageLimit: pullPageLimit,
            now: clock.read)
    }

    /// Moves every clock on, so each edit gets a later wall time.
    func tick(_ clocks: TestClock..., by millis: UInt64 = 1_000) {
        serviceClock.advance(millis)
        for clock in clocks { clock.advance(millis) }
    }
}

extension Replica {
    /// Adds a customer owned by `owner` and returns its id.
    @discardableResult
    func addCustomer(_ name: String, owner: String = "ana.lima", phone: String? = nil) throws -> String {
        let id = UUID().uuidString.lowercased()
        var values: [(column: String, value: Value)] = [("owner", .text(owner)), ("full_name", .text(name))]
        if let phone { values.append(("phone", .text(phone))) }
        try write("customers", id: id, values: values)
        return id
    }
}
