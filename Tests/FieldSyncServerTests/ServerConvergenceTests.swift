import FieldSyncClient
import FieldSyncCore
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import Testing

/// Several devices edit at random (creates, edits of shared customers,
/// deletes) and sync through a real server in random orders, with edits in
/// between; at the end every device holds exactly the server's data in its
/// manager's scope. The devices are Ana's laptop and phone, her supervisor
/// and an admin: they share Ana's customers, each also keeps their own.
/// Replay one history with FIELDSYNC_SERVER_SEED=N.
@Suite("Convergence through the server")
struct ServerConvergenceTests {
    static let seeds: [UInt64] = {
        if let seed = ProcessInfo.processInfo.environment["FIELDSYNC_SERVER_SEED"].flatMap(UInt64.init) { return [seed] }
        return Array(1...40)
    }()

    @Test("random edits and random sync orders converge on the server's data", arguments: seeds)
    func converges(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        try await withSyncWorld { world in
            let people = [("laptop", Staff.ana), ("phone", Staff.ana), ("sue", Staff.sue), ("root", Staff.admin)]
                .prefix(Int.random(in: 2...4, using: &random))
            var devices: [(replica: Replica, clock: ManualWallClock)] = []
            for (name, manager) in people { devices.append(try world.device(name, manager: manager.id)) }
            var customers: [String] = []
            let columns = ["phone", "city", "notes", "tier", "email"]
            let values = ["tier": ["standard", "premium", "private"]]
            for _ in 0..<40 {
                let index = Int.random(in: 0..<devices.count, using: &random)
                let (replica, clock) = devices[index]
                // Clocks drift a little apart, within the bound.
                world.tick(by: UInt64.random(in: 1...50, using: &random))
                clock.advance(UInt64.random(in: 0...3_000, using: &random))
                switch Int.random(in: 0..<10, using: &random) {
                case 0...1:
                    customers.append(try replica.addCustomer("C\(customers.count)", owner: replica.managerID!))
                case 2...7:
                    let known = try customers.filter { try replica.record("customers", id: $0) != nil }
                    guard let id = known.randomElement(using: &random) else { continue }
                    let column = columns.randomElement(using: &random)!
                    let value = values[column]?.randomElement(using: &random) ?? "v\(Int.random(in: 0..<5, using: &random))"
                    try replica.write("customers", id: id, values: [(column, .text(value))])
                case 8:
                    let known = try customers.filter { try replica.record("customers", id: $0)?.isDeleted == false }
                    guard let id = known.randomElement(using: &random) else { continue }
                    try replica.delete("customers", id: id)
                default:
                    let synchronizer = world.synchronizer(replica, clock: clock, pullPageLimit: Int.random(in: 1...20, using: &random))
                    _ = try await synchronizer.sync()
                }
            }
            // Everyone syncs twice (the second round brings what others pushed after them).
            for _ in 0..<2 {
                for (replica, clock) in devices.shuffled(using: &random) {
                    let summary = try await world.synchronizer(replica, clock: clock).sync()
                    #expect(summary.push.rejected == 0, "seed \(seed)")
                }
            }
            let central = try await world.store.digest()
            for ((replica, _), (_, manager)) in zip(devices, people) {
                #expect(try replica.pendingCount() == 0, "seed \(seed)")
                let scoped = try await world.store.digest(for: manager)
                #expect(try replica.digest().digest == scoped.digest, "seed \(seed): \(replica.path) differs from the server")
            }
            // Re-pushing changes nothing; the conflict count stays.
            let conflicts = try await world.transport().conflicts(status: nil).count
            for (replica, clock) in devices { _ = try await world.synchronizer(replica, clock: clock).sync() }
            #expect(try await world.store.digest().digest == central.digest)
            #expect(try await world.transport().conflicts(status: nil).count == conflicts)
        }
    }
}
