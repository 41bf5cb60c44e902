import FieldSyncClient
import FieldSyncCore
import FieldSyncReplica
import Foundation

/// One manager's device in the load benchmark: a replica of her own book
/// on which she records customer visits, syncing after each one. Unchecked
/// Sendable: the benchmark hands each device to one task at a time (a
/// replica is used from one place at a time).
final class SimulatedManager: @unchecked Sendable {
    struct Tally: Sendable {
        var visits = 0
        /// Field changes made on the device.
        var changesMade = 0
        var accepted = 0
        var rejected = 0
        var failedRequests = 0
        /// The first few failures, for the report.
        var failures: [String] = []

        mutating func add(_ other: Tally) {
            visits += other.visits
            changesMade += other.changesMade
            accepted += other.accepted
            rejected += other.rejected
            failedRequests += other.failedRequests
            failures += other.failures.prefix(max(0, 5 - failures.count))
        }
    }

    /// The profile fields a visit updates: contact details and situation, never the owner.
    static let profileColumns = [
        "phone", "email", "street", "city", "postal_code", "family_status", "dependents", "occupation", "employer",
        "notes",
    ]

    let manager: Manager
    private let customers: [String]
    private let replica: Replica
    private let http: HTTPSyncTransport
    private let synchronizer: Synchronizer
    private var book: BookGenerator
    private(set) var tally = Tally()

    init(
        manager: Manager, token: String, customers: [String], serverURL: String, path: String, seed: UInt64,
        pushes: LatencyRecorder, pulls: LatencyRecorder
    ) throws {
        self.manager = manager
        self.customers = customers
        replica = try Replica.create(at: path, managerID: manager.id)
        try replica.setServer(url: serverURL, token: token)
        http = HTTPSyncTransport(serverURL: serverURL, token: token, schemaVersion: replica.schema.version)
        synchronizer = Synchronizer(
            replica: replica, transport: TimedTransport(base: http, pushes: pushes, pulls: pulls))
        book = BookGenerator(seed: seed, replica: replica.replicaID)
    }

    /// The device's first sync: her whole book.
    func firstSync() async throws {
        _ = try await synchronizer.pull()
    }

    /// Visits and syncs until `deadline` (monotonic seconds); a failed sync is counted and the next visit goes on.
    func run(until deadline: Double) async {
        while MonotonicClock.seconds() < deadline {
            do {
                tally.changesMade += try visit()
                tally.visits += 1
                let pushed = try await synchronizer.push()
                tally.accepted += pushed.accepted
                tally.rejected += pushed.rejected
                _ = try await synchronizer.pull()
            } catch {
                tally.failedRequests += 1
                if tally.failures.count < 5 { tally.failures.append("\(manager.id): \(error)") }
            }
        }
    }

    /// One visit, saved on the device as one edit: the interaction, ten
    /// profile fields, a follow-up task. (In the field a visit is saved when it
    /// happens; this benchmark measures the sync, so the device's own saving
    /// is kept to the one transaction a visit form would take.)
    private func visit() throws -> Int {
        let customer = customers[book.randomIndex(below: customers.count)]
        let now = ISODate.dateTime(millisSinceEpoch: SystemWallClock.millisecondsSinceEpoch())
        return try replica.write([
            Replica.Edit(
                "interactions", id: book.newID(),
                values: fields(
                    "interactions",
                    fixed: [
                        "customer_id": .text(customer), "author": .text(manager.id), "channel": .text("visit"),
                        "occurred_at": .text(now),
                    ]), mode: .new),
            Replica.Edit(
                "customers", id: customer, values: Self.profileColumns.map { ($0, book.value("customers", $0)) },
                mode: .existing),
            Replica.Edit(
                "tasks", id: book.newID(),
                values: fields(
                    "tasks",
                    fixed: [
                        "customer_id": .text(customer), "assignee": .text(manager.id), "status": .text("open"),
                    ]), mode: .new),
        ]).count
    }

    private func fields(_ table: String, fixed: [String: Value]) -> [(column: String, value: Value)] {
        try! Schema.default.table(table).columns.filter { $0.name != TableSchema.deletedColumn }.map { column in
            (column.name, fixed[column.name] ?? book.value(table, column.name))
        }
    }

    /// The last sync, then whether the device holds exactly what the service holds in her scope.
    func finish() async throws -> (inSync: Bool, pending: Int) {
        let pushed = try await synchronizer.push()
        tally.accepted += pushed.accepted
        tally.rejected += pushed.rejected
        _ = try await synchronizer.pull()
        let service = try await http.digest()
        return (service.digest == (try replica.digest().digest), try replica.pendingCount())
    }

    func shutdown() async {
        try? await http.shutdown()
    }
}
