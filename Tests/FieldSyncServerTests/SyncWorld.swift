import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import FieldSyncTestSupport
import Foundation

/// The HTTP transport to a test server as one manager, which can also fail
/// on cue (a dropped connection, no network) and counts the requests it made.
final class FaultyTransport: SyncTransport, @unchecked Sendable {
    let http: HTTPSyncTransport
    private let lock = NSLock()
    private var _pushes = 0
    private var _pulls = 0
    private var _failPullNumber: Int?
    private var _losePushAnswerNumber: Int?
    private var _refusePushNumber: Int?
    private var _refuseUnderAnotherVersion = false
    private var _failPushNumber: Int?
    private var _withholdCurrentPushNumber: Int?
    private var _offline = false
    private var _failConflicts = false

    init(serverURL: String, token: String?) {
        http = HTTPSyncTransport(serverURL: serverURL, token: token, schemaVersion: Schema.default.version)
    }

    var pushes: Int { lock.withLock { _pushes } }
    var pulls: Int { lock.withLock { _pulls } }
    /// Every request fails as if the network were down.
    var offline: Bool {
        get { lock.withLock { _offline } }
        set { lock.withLock { _offline = newValue } }
    }
    /// Listing conflicts fails, as a connection dropped after a sync's pull would.
    var failConflicts: Bool {
        get { lock.withLock { _failConflicts } }
        set { lock.withLock { _failConflicts = newValue } }
    }
    /// The pull request with this number (1 = first) fails, as a dropped connection would.
    var failPullNumber: Int? {
        get { lock.withLock { _failPullNumber } }
        set { lock.withLock { _failPullNumber = newValue } }
    }

    /// The push request with this number reaches the service, but its answer
    /// is lost on the way back (the service applied it; the device cannot know).
    var losePushAnswerNumber: Int? {
        get { lock.withLock { _losePushAnswerNumber } }
        set { lock.withLock { _losePushAnswerNumber = newValue } }
    }

    /// The push request with this number is refused whole, as a 400 for a
    /// change that breaks the schema would be, naming its first change.
    var refusePushNumber: Int? {
        get { lock.withLock { _refusePushNumber } }
        set { lock.withLock { _refusePushNumber = newValue } }
    }

    /// `refusePushNumber`'s refusal names the change under a version it was
    /// not sent with, as a faulty service might.
    var refuseUnderAnotherVersion: Bool {
        get { lock.withLock { _refuseUnderAnotherVersion } }
        set { lock.withLock { _refuseUnderAnotherVersion = newValue } }
    }

    /// The push request with this number never reaches the service.
    var failPushNumber: Int? {
        get { lock.withLock { _failPushNumber } }
        set { lock.withLock { _failPushNumber = newValue } }
    }

    /// The answer to the push request with this number carries no service
    /// values (`current`) in its rejections, as when the record left the
    /// caller's scope before the service answered.
    var withholdCurrentPushNumber: Int? {
        get { lock.withLock { _withholdCurrentPushNumber } }
        set { lock.withLock { _withholdCurrentPushNumber = newValue } }
    }

    static let unreachable = SyncError(.unreachable, "cannot reach the service (the test cut the network)")

    private func checkOnline() throws { if offline { throw Self.unreachable } }

    func push(_ request: PushRequest) async throws -> PushResponse {
        try checkOnline()
        let number = lock.withLock {
            _pushes += 1
            return _pushes
        }
        if number == failPushNumber { throw Self.unreachable }
        if number == refusePushNumber, let first = request.changeSet.changes.first {
            throw SyncError(
                .wrongType, "the test refused it",
                rejected: [
                    ChangeRejection(
                        field: first.field,
                        version: refuseUnderAnotherVersion
                            ? Version(timestamp: first.version.timestamp, replica: ReplicaID(rawValue: 99)!)
                            : first.version,
                        code: .wrongType, message: "refused")
                ])
        }
        var answer = try await http.push(request)
        if number == losePushAnswerNumber { throw Self.unreachable }
        if number == withholdCurrentPushNumber {
            for index in answer.rejected.indices { answer.rejected[index].current = nil }
        }
        return answer
    }

    func pull(after cursor: PullCursor, limit: Int) async throws -> PullResponse {
        try checkOnline()
        let number = lock.withLock {
            _pulls += 1
            return _pulls
        }
        if number == failPullNumber { throw Self.unreachable }
        return try await http.pull(after: cursor, limit: limit)
    }

    func digest() async throws -> DigestResponse {
        try checkOnline()
        return try await http.digest()
    }

    func conflicts(status: Conflict.Status?) async throws -> [Conflict] {
        try checkOnline()
        if failConflicts { throw Self.unreachable }
        return try await http.conflicts(status: status)
    }

    func conflict(id: Int64) async throws -> Conflict {
        try checkOnline()
        return try await http.conflict(id: id)
    }

    func settle(id: Int64, _ request: SettleRequest) async throws -> Conflict {
        try checkOnline()
        return try await http.settle(id: id, request)
    }

    func reassign(customer: String, _ request: ReassignRequest) async throws -> Reassignment {
        try checkOnline()
        return try await http.reassign(customer: customer, request)
    }

    func report(branch: String?, since: String?) async throws -> BranchReport {
        try checkOnline()
        return try await http.report(branch: branch, since: since)
    }
}

/// A test server and the devices that sync with it, in a directory removed at the end.
final class SyncWorld {
    static let start: UInt64 = 1_760_000_000_000
    let server: TestServer
    let directory = TemporaryDirectory()
    /// One transport per manager, with their token.
    let transports: [String: FaultyTransport]

    var store: any CentralStore { server.store }
    var serviceClock: ManualWallClock { server.clock }

    init(_ server: TestServer) {
        self.server = server
        transports = server.tokens.mapValues { FaultyTransport(serverURL: server.baseURL, token: $0) }
    }

    /// The transport of a manager (the admin's when nil).
    func transport(_ manager: String? = nil) -> FaultyTransport { transports[manager ?? Staff.admin.id]! }

    /// A device whose clock runs `ahead` milliseconds ahead of the service's.
    func device(_ name: String, manager: String?, ahead: UInt64 = 0) throws -> (Replica, ManualWallClock) {
        let clock = ManualWallClock(serviceClock.millis + ahead)
        let replica = try Replica.create(at: directory.file("\(name).db"), managerID: manager, wallClock: clock.read)
        return (replica, clock)
    }

    func synchronizer(
        _ replica: Replica, clock: ManualWallClock, pushBatchSize: Int = 2_000, pullPageLimit: Int = 1_000
    )
        -> Synchronizer
    {
        Synchronizer(
            replica: replica, transport: transport(replica.managerID), pushBatchSize: pushBatchSize,
            pullPageLimit: pullPageLimit,
            now: clock.read)
    }

    /// A customer `first` adds and both devices sync; then each device, in
    /// turn and a second apart, changes its phone (to +351 2, then +351 3)
    /// without seeing the other's edit. Returns the customer's id.
    func customerBothEdit(
        _ first: (replica: Replica, clock: ManualWallClock), _ second: (replica: Replica, clock: ManualWallClock)
    ) async throws -> String {
        let id = try first.replica.addCustomer("Ana Silva", phone: "+351 1")
        _ = try await synchronizer(first.replica, clock: first.clock).sync()
        _ = try await synchronizer(second.replica, clock: second.clock).sync()
        tick(first.clock, second.clock)
        try first.replica.write("customers", id: id, values: [("phone", .text("+351 2"))])
        tick(first.clock, second.clock)
        try second.replica.write("customers", id: id, values: [("phone", .text("+351 3"))])
        return id
    }

    /// Moves every clock on, so each edit gets a later wall time.
    func tick(_ clocks: ManualWallClock..., by millis: UInt64 = 1_000) {
        serviceClock.advance(millis)
        for clock in clocks { clock.advance(millis) }
    }
}

/// Runs `body` in a world around a fresh test server.
func withSyncWorld(_ body: (SyncWorld) async throws -> Void) async throws {
    try await withTestServer(clock: ManualWallClock(SyncWorld.start)) { server in
        let world = SyncWorld(server)
        do {
            try await body(world)
        } catch {
            for transport in world.transports.values { try? await transport.http.shutdown() }
            throw error
        }
        for transport in world.transports.values { try await transport.http.shutdown() }
    }
}

extension Replica {
    /// Adds a customer owned by `owner` (default: the replica's manager) and returns its id.
    @discardableResult
    func addCustomer(_ name: String, owner: String? = nil, phone: String? = nil) throws -> String {
        let owner = owner ?? managerID ?? "ana.lima"
        let id = UUID().uuidString.lowercased()
        var values: [(column: String, value: Value)] = [("owner", .text(owner)), ("full_name", .text(name))]
        if let phone { values.append(("phone", .text(phone))) }
        try write("customers", id: id, values: values)
        return id
    }
}
