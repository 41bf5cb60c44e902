import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import Testing

/// A supervisor gives Ana's customer to Ben: Ana's earlier edits still count,
/// her later ones are refused and kept, her device lets the customer go, and
/// Ben's device receives it with its whole history.
@Suite("Reassignment")
struct ReassignmentTests {
    /// Ana's customer with a visit and a task, synced to Ana's and Ben's devices (Ben has none of it).
    func setUp(_ world: SyncWorld) throws -> (
        ana: (Replica, ManualWallClock), ben: (Replica, ManualWallClock), customer: String
    ) {
        let ana = try world.device("ana", manager: "ana")
        let ben = try world.device("ben", manager: "ben")
        let customer = try ana.0.addCustomer("Anna Keller", phone: "+41 1")
        try ana.0.write(
            "interactions", id: UUID().uuidString.lowercased(),
            values: [
                ("customer_id", .text(customer)), ("channel", .text("visit")),
                ("occurred_at", .text("2025-10-09T10:00:00Z")),
            ])
        try ana.0.write(
            "tasks", id: UUID().uuidString.lowercased(),
            values: [
                ("customer_id", .text(customer)), ("kind", .text("call_back")), ("title", .text("Call")),
                ("due_date", .text("2025-10-20")), ("status", .text("open")),
            ])
        return (ana, ben, customer)
    }

    @Test(
        "edits made before the reassignment are accepted, later ones refused and kept; Ana's pull removes the customer and its records; Ben's brings them"
    )
    func reassignByVersion() async throws {
        try await withSyncWorld { world in
            let (ana, ben, customer) = try setUp(world)
            _ = try await world.synchronizer(ana.0, clock: ana.1).sync()
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(try ben.0.record("customers", id: customer) == nil)

            // Offline, Ana edits the phone; then her supervisor gives the customer to Ben; then Ana edits the city.
            world.tick(ana.1, ben.1)
            try ana.0.write("customers", id: customer, values: [("phone", .text("+41 2"))])
            world.tick(ana.1, ben.1)
            let done = try await world.transport("sue").reassign(customer: customer, ReassignRequest(to: "ben"))
            #expect(done.from == "ana" && done.to == "ben" && done.records == 2)
            world.tick(ana.1, ben.1)
            try ana.0.write("customers", id: customer, values: [("city", .text("Bern"))])

            let anaSync = try await world.synchronizer(ana.0, clock: ana.1).sync()
            #expect(anaSync.push.accepted == 1 && anaSync.push.rejected == 1)
            #expect(anaSync.pull.removedCustomers == 1)
            #expect(try ana.0.record("customers", id: customer) == nil)
            #expect(try ana.0.recordCount("interactions") == 0 && ana.0.recordCount("tasks") == 0)
            let kept = try ana.0.rejectedChanges()
            #expect(kept.map(\.change.column) == ["city"] && kept.map(\.code) == [.forbidden])
            #expect(try ana.0.pendingCount() == 0)
            #expect(try ana.0.digest().digest == (try await world.store.digest(for: Staff.ana).digest))

            let benSync = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(benSync.pull.rows == 3)
            #expect(try ben.0.record("customers", id: customer)?["phone"] == .text("+41 2"))
            #expect(try ben.0.record("customers", id: customer)?["owner"] == .text("ben"))
            #expect(try ben.0.recordCount("interactions") == 1 && ben.0.recordCount("tasks") == 1)
            #expect(try ben.0.digest().digest == (try await world.store.digest(for: Staff.ben).digest))

            // Ben now edits it; Ana's edits after the reassignment stay refused.
            world.tick(ana.1, ben.1)
            try ben.0.write("customers", id: customer, values: [("city", .text("Basel"))])
            #expect(try await world.synchronizer(ben.0, clock: ben.1).push().accepted == 1)
        }
    }

    @Test("a pull alone (no push first) that removes a customer pushes its unsent edits before letting it go")
    func pullPushesFirst() async throws {
        try await withSyncWorld { world in
            let (ana, _, customer) = try setUp(world)
            _ = try await world.synchronizer(ana.0, clock: ana.1).sync()
            world.tick(ana.1)
            try ana.0.write("customers", id: customer, values: [("notes", .text("likes funds"))])
            world.tick(ana.1)
            _ = try await world.transport("sue").reassign(customer: customer, ReassignRequest(to: "ben"))
            let pulled = try await world.synchronizer(ana.0, clock: ana.1).pull()
            #expect(pulled.removedCustomers == 1)
            #expect(try ana.0.pendingCount() == 0 && ana.0.rejectedChanges().isEmpty)
            // The note made before the reassignment reached the service.
            let history = try await world.store.history(table: "customers", id: customer, column: "notes")
            #expect(history.entries.map(\.value) == [.text("likes funds")] && history.entries.first?.manager == "ana")
        }
    }

    @Test("who may reassign: a supervisor within her branch, an admin anywhere; never a manager")
    func whoMayReassign() async throws {
        try await withSyncWorld { world in
            let (ana, _, customer) = try setUp(world)
            _ = try await world.synchronizer(ana.0, clock: ana.1).sync()
            await expectRefusal(.forbidden) {
                try await world.transport("ana").reassign(customer: customer, ReassignRequest(to: "ben"))
            }
            await expectRefusal(.forbidden) {
                try await world.transport("sue").reassign(customer: customer, ReassignRequest(to: "zoe"))
            }
            await expectRefusal(.unknownRecord) {
                try await world.transport("sol").reassign(customer: customer, ReassignRequest(to: "zoe"))
            }
            await expectRefusal(.unknownManager) {
                try await world.transport("sue").reassign(customer: customer, ReassignRequest(to: "nobody"))
            }
            // Not a manager id at all: PostgreSQL, which cannot hold a NUL, failed with a 500.
            await expectRefusal(.badArgument) {
                try await world.transport("sue").reassign(customer: customer, ReassignRequest(to: "ben\u{0}x"))
            }
            let done = try await world.transport().reassign(customer: customer, ReassignRequest(to: "zoe"))
            #expect(done.to == "zoe")
            // The audit trail shows who moved it.
            let owner = try await world.store.history(table: "customers", id: customer, column: "owner")
            #expect(owner.entries.map(\.manager) == ["ana", "root"])
            #expect(owner.entries.last?.oldValue == .text("ana") && owner.entries.last?.value == .text("zoe"))
        }
    }

    @Test(
        "a manager who gives her own customer away by editing its owner: refused, with the service's owner, which discarding puts back"
    )
    func ownerEditByManager() async throws {
        try await withSyncWorld { world in
            let (ana, _, customer) = try setUp(world)
            _ = try await world.synchronizer(ana.0, clock: ana.1).sync()
            world.tick(ana.1)
            try ana.0.write("customers", id: customer, values: [("owner", .text("ben"))])
            #expect(try await world.synchronizer(ana.0, clock: ana.1).sync().push.rejected == 1)
            let refused = try #require(try ana.0.rejectedChanges().first)
            #expect(refused.code == .forbidden)
            try ana.0.discardRejected(id: refused.id)
            #expect(try ana.0.record("customers", id: customer)?["owner"] == .text("ana"))
            #expect(try ana.0.digest().digest == (try await world.store.digest(for: Staff.ana).digest))
        }
    }

    @Test(
        "settling a conflict on a customer's owner is a reassignment: only a supervisor or an admin, to a known manager; the new owner receives the whole history, the previous one lets it go"
    )
    func settleOwnerConflict() async throws {
        try await withSyncWorld { world in
            let (ana, ben, customer) = try setUp(world)
            let sue = try world.device("sue", manager: "sue")
            let root = try world.device("root", manager: "root")
            let lima = try world.device("lima", manager: "ana.lima")
            for device in [ana, ben, sue, root, lima] {
                _ = try await world.synchronizer(device.0, clock: device.1).sync()
            }

            // Sue gives the customer to Ben; a second later, without having seen that, head office gives it to Ana Lima.
            world.tick(sue.1, root.1)
            try sue.0.write("customers", id: customer, values: [("owner", .text("ben"))])
            world.tick(sue.1, root.1)
            try root.0.write("customers", id: customer, values: [("owner", .text("ana.lima"))])
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()
            _ = try await world.synchronizer(root.0, clock: root.1).sync()
            #expect(try await world.synchronizer(ben.0, clock: ben.1).sync().pull.removedCustomers == 1)
            _ = try await world.synchronizer(lima.0, clock: lima.1).sync()
            #expect(try lima.0.recordCount("interactions") == 1)
            let conflict = try #require(try await world.transport("sue").conflicts(status: .open).first)
            #expect(conflict.column == "owner")
            let bensSide = try #require(conflict.sides.first { $0.value == .text("ben") })

            // Ana Lima sees it (the customer is hers now) but may not give it away; nobody may give it to no one.
            await expectRefusal(.forbidden) {
                try await world.transport("ana.lima").settle(
                    id: conflict.id, SettleRequest(resolution: .keep(bensSide.version)))
            }
            await expectRefusal(.unknownManager) {
                try await world.transport("sue").settle(
                    id: conflict.id, SettleRequest(resolution: .value(.text("nobody"))))
            }
            // Nor may a supervisor give it to another branch's manager.
            await expectRefusal(.forbidden) {
                try await world.transport("sue").settle(
                    id: conflict.id, SettleRequest(resolution: .value(.text("zoe"))))
            }

            let settled = try await world.transport("sue").settle(
                id: conflict.id, SettleRequest(resolution: .keep(bensSide.version)))
            #expect(settled.status == .settled)
            let benSync = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(try ben.0.record("customers", id: customer)?["owner"] == .text("ben"))
            #expect(try ben.0.recordCount("interactions") == 1 && ben.0.recordCount("tasks") == 1, "\(benSync.pull)")
            #expect(try ben.0.digest().digest == (try await world.store.digest(for: Staff.ben).digest))
            #expect(try await world.synchronizer(lima.0, clock: lima.1).sync().pull.removedCustomers == 1)
            #expect(try lima.0.record("customers", id: customer) == nil && lima.0.recordCount("interactions") == 0)
            let limaDigest = try await world.store.digest(
                for: Manager(id: "ana.lima", name: "", branch: "north", role: .manager))
            #expect(try lima.0.digest().digest == limaDigest.digest)
        }
    }
}

/// Expects `request` to be refused by the service with `code`.
func expectRefusal<T>(
    _ code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation, _ request: () async throws -> T
) async {
    await #expect(sourceLocation: sourceLocation) {
        _ = try await request()
    } throws: {
        ($0 as? SyncError)?.code == code
    }
}
