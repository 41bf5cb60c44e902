import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import Testing

/// A supervisor moves a visit logged against Ana's customer to Ben's: the
/// visit leaves Ana's device and reaches Ben's, so each device holds exactly
/// its manager's scope (their digests match the service's).
@Suite("Records moved to another manager's customer")
struct RecordMoveTests {
    /// Ana's customer with a visit, Ben's customer; Ana, Ben and Sue synced.
    func setUp(_ world: SyncWorld) async throws -> (
        ana: (Replica, ManualWallClock), ben: (Replica, ManualWallClock), sue: (Replica, ManualWallClock),
        visit: String, bens: String
    ) {
        let ana = try world.device("ana", manager: "ana")
        let ben = try world.device("ben", manager: "ben")
        let sue = try world.device("sue", manager: "sue")
        let annas = try ana.0.addCustomer("Anna Keller", phone: "+41 1")
        let visit = UUID().uuidString.lowercased()
        try ana.0.write(
            "interactions", id: visit,
            values: [
                ("customer_id", .text(annas)), ("channel", .text("visit")),
                ("occurred_at", .text("2025-10-09T10:00:00Z")), ("summary", .text("talked about funds")),
            ])
        let bens = try ben.0.addCustomer("Bruno Otto", phone: "+41 2")
        for device in [ana, ben, sue] {
            _ = try await world.synchronizer(device.0, clock: device.1).sync()
        }
        return (ana, ben, sue, visit, bens)
    }

    /// Ana's second customer, added and synced.
    func secondCustomer(of ana: (Replica, ManualWallClock), in world: SyncWorld) async throws -> String {
        let other = try ana.0.addCustomer("Otto Keller", phone: "+41 3")
        _ = try await world.synchronizer(ana.0, clock: ana.1).sync()
        return other
    }

    /// Whether `device`'s replica holds exactly what the service holds in `manager`'s scope.
    func matches(_ device: (Replica, ManualWallClock), _ manager: Manager, in world: SyncWorld) async throws -> Bool {
        try device.0.digest().digest == (try await world.store.digest(for: manager).digest)
    }

    @Test(
        "a visit Sue moves to Ben's customer leaves Ana's device and reaches Ben's whole, with Ana's edit made before the move (one made after is refused and kept); moved back, the other way round"
    )
    func moveByPush() async throws {
        try await withSyncWorld { world in
            let (ana, ben, sue, visit, bens) = try await setUp(world)
            let annas = try #require(try ana.0.record("interactions", id: visit)?["customer_id"])
            #expect(try ben.0.record("interactions", id: visit) == nil)

            // Offline, Ana edits the visit; then Sue moves it to Ben's customer; then Ana edits it again.
            world.tick(ana.1, ben.1, sue.1)
            try ana.0.write("interactions", id: visit, values: [("next_step", .text("send brochure"))])
            world.tick(ana.1, ben.1, sue.1)
            try sue.0.write("interactions", id: visit, values: [("customer_id", .text(bens))])
            #expect(try await world.synchronizer(sue.0, clock: sue.1).sync().push.accepted == 1)
            world.tick(ana.1, ben.1, sue.1)
            try ana.0.write("interactions", id: visit, values: [("outcome", .text("positive"))])

            let anaSync = try await world.synchronizer(ana.0, clock: ana.1).sync()
            #expect(anaSync.push.accepted == 1 && anaSync.push.rejected == 1)
            // The push's answer names the visit, so her device lets it go before the pull would.
            #expect(anaSync.push.removedRecords == 1)
            #expect(anaSync.pull.removedRecords == 0 && anaSync.pull.removedCustomers == 0)
            #expect(try ana.0.record("interactions", id: visit) == nil)
            #expect(try ana.0.recordCount("customers") == 1)
            let kept = try ana.0.rejectedChanges()
            #expect(kept.map(\.change.column) == ["outcome"] && kept.map(\.code) == [.forbidden])
            #expect(try ana.0.pendingCount() == 0)
            #expect(try await matches(ana, Staff.ana, in: world))

            let benSync = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(benSync.pull.removedRecords == 0)
            let moved = try #require(try ben.0.record("interactions", id: visit))
            #expect(moved["customer_id"] == .text(bens) && moved["summary"] == .text("talked about funds"))
            #expect(moved["next_step"] == .text("send brochure") && moved["outcome"] == .null)
            #expect(try await matches(ben, Staff.ben, in: world))

            // Back to Anna's customer: Ben's device lets it go, Ana's receives it whole again.
            world.tick(ana.1, ben.1, sue.1)
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            try sue.0.write("interactions", id: visit, values: [("customer_id", annas)])
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            #expect(try await world.synchronizer(ben.0, clock: ben.1).sync().pull.removedRecords == 1)
            #expect(try ben.0.record("interactions", id: visit) == nil)
            #expect(try await matches(ben, Staff.ben, in: world))
            #expect(try await world.synchronizer(ana.0, clock: ana.1).sync().pull.removedRecords == 0)
            #expect(try ana.0.record("interactions", id: visit)?["summary"] == .text("talked about funds"))
            #expect(try await matches(ana, Staff.ana, in: world))

            // Sue sees both customers throughout: nothing was ever removed from her device.
            #expect(try await world.synchronizer(sue.0, clock: sue.1).sync().pull.removedRecords == 0)
            #expect(try await matches(sue, Staff.sue, in: world))
        }
    }

    @Test(
        "a visit Sue moves between two of Ana's customers, one of which she then gives to Ben, leaves Ana's device, whose copy still names the first customer",
        arguments: [false, true])
    func moveThenReassign(inOnePush: Bool) async throws {
        try await withSyncWorld { world in
            let (ana, ben, sue, visit, _) = try await setUp(world)
            let other = try await secondCustomer(of: ana, in: world)
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()

            world.tick(ana.1, ben.1, sue.1)
            try sue.0.write("interactions", id: visit, values: [("customer_id", .text(other))])
            if !inOnePush { _ = try await world.synchronizer(sue.0, clock: sue.1).sync() }
            try sue.0.write("customers", id: other, values: [("owner", .text("ben"))])
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()

            let anaSync = try await world.synchronizer(ana.0, clock: ana.1).sync()
            #expect(anaSync.pull.removedCustomers == 1 && anaSync.pull.removedRecords == 1)
            #expect(try ana.0.record("interactions", id: visit) == nil && ana.0.recordCount("customers") == 1)
            #expect(try await matches(ana, Staff.ana, in: world))
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(try ben.0.record("interactions", id: visit)?["customer_id"] == .text(other))
            #expect(try await matches(ben, Staff.ben, in: world))
        }
    }

    @Test(
        "a push Ana makes after the move, taken whole, does not let her device skip the move (the service may move a current device's cursor past its own push)"
    )
    func pushAfterMove() async throws {
        try await withSyncWorld { world in
            let (ana, _, sue, visit, bens) = try await setUp(world)
            let annas = try #require(try ana.0.record("interactions", id: visit)?["customer_id"].textValue)
            world.tick(ana.1, sue.1)
            try sue.0.write("interactions", id: visit, values: [("customer_id", .text(bens))])
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            try ana.0.write("customers", id: annas, values: [("city", .text("Bern"))])
            #expect(try await world.synchronizer(ana.0, clock: ana.1).push().accepted == 1)
            #expect(try await world.synchronizer(ana.0, clock: ana.1).pull().removedRecords == 1)
            #expect(try ana.0.record("interactions", id: visit) == nil)
            #expect(try await matches(ana, Staff.ana, in: world))
        }
    }

    @Test(
        "an edit Ana made while her customer was Ben's is refused, though the visit has left that customer since and the customer is hers again"
    )
    func editWhileAwayRefused() async throws {
        try await withSyncWorld { world in
            let (ana, _, sue, visit, bens) = try await setUp(world)
            let annas = try #require(try ana.0.record("interactions", id: visit)?["customer_id"].textValue)
            world.tick(ana.1, sue.1)
            _ = try await world.transport("sue").reassign(customer: annas, ReassignRequest(to: "ben"))
            world.tick(ana.1, sue.1)
            try ana.0.write("interactions", id: visit, values: [("next_step", .text("call again"))])
            world.tick(ana.1, sue.1)
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            try sue.0.write("interactions", id: visit, values: [("customer_id", .text(bens))])
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            world.tick(ana.1, sue.1)
            _ = try await world.transport("sue").reassign(customer: annas, ReassignRequest(to: "ana"))

            let pushed = try await world.synchronizer(ana.0, clock: ana.1).push()
            #expect(pushed.accepted == 0 && pushed.rejected == 1)
            let history = try await world.store.history(table: "interactions", id: visit, column: "next_step")
            #expect(history.entries.isEmpty)
        }
    }

    @Test(
        "Ana files her visit under her other customer, then under one she creates in the same push: both moves are taken"
    )
    func movesBetweenOwnCustomers() async throws {
        try await withSyncWorld { world in
            let (ana, _, _, visit, _) = try await setUp(world)
            let other = try await secondCustomer(of: ana, in: world)
            world.tick(ana.1)
            try ana.0.write("interactions", id: visit, values: [("customer_id", .text(other))])
            #expect(try await world.synchronizer(ana.0, clock: ana.1).sync().push.rejected == 0)
            world.tick(ana.1)
            let new = try ana.0.addCustomer("Lena Keller", phone: "+41 4")
            try ana.0.write("interactions", id: visit, values: [("customer_id", .text(new))])
            let pushed = try await world.synchronizer(ana.0, clock: ana.1).sync().push
            #expect(pushed.rejected == 0 && pushed.accepted > 0)
            #expect(try ana.0.record("interactions", id: visit)?["customer_id"] == .text(new))
            #expect(try await matches(ana, Staff.ana, in: world))
        }
    }

    @Test(
        "a move Ana made offline, before her customer went to Ben, is refused: it would bring the visit back to her with Ben's later edits; the visit leaves her device, the move stays among her rejected changes"
    )
    func moveOutOfReassignedCustomerRefused() async throws {
        try await withSyncWorld { world in
            let (ana, ben, sue, visit, _) = try await setUp(world)
            let annas = try #require(try ana.0.record("interactions", id: visit)?["customer_id"].textValue)
            let other = try await secondCustomer(of: ana, in: world)

            // Offline, Ana files the visit under her other customer; then Sue gives the first to Ben, who edits the visit.
            world.tick(ana.1, ben.1, sue.1)
            try ana.0.write("interactions", id: visit, values: [("customer_id", .text(other))])
            world.tick(ana.1, ben.1, sue.1)
            _ = try await world.transport("sue").reassign(customer: annas, ReassignRequest(to: "ben"))
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()
            world.tick(ana.1, ben.1, sue.1)
            try ben.0.write("interactions", id: visit, values: [("summary", .text("Ben's notes"))])
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()

            let synced = try await world.synchronizer(ana.0, clock: ana.1).sync()
            #expect(synced.push.accepted == 0 && synced.push.rejected == 1)
            let rejected = try ana.0.rejectedChanges()
            #expect(rejected.map(\.code) == [.forbidden] && rejected.first?.change.value == .text(other))
            #expect(rejected.first?.message.contains("needs the customer it is filed under now") == true)
            let served = try await world.store.pull(after: .start, limit: 1_000, for: Staff.ana)
            #expect(!served.changeSet.changes.contains { $0.rowID == visit })
            // The service said the visit is another manager's now: her device keeps no stale copy of it.
            #expect(synced.push.removedRecords == 1)
            #expect(try ana.0.record("interactions", id: visit) == nil)
            #expect(try await matches(ana, Staff.ana, in: world))
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(try ben.0.record("interactions", id: visit)?["customer_id"] == .text(annas))
            #expect(try ben.0.record("interactions", id: visit)?["summary"] == .text("Ben's notes"))
            #expect(try await matches(ben, Staff.ben, in: world))
        }
    }

    @Test(
        "a move Ana made offline to her customer that went to Ben meanwhile is refused; the visit stays on her device, filed back under its customer"
    )
    func moveIntoReassignedCustomerRefused() async throws {
        try await withSyncWorld { world in
            let (ana, _, sue, visit, _) = try await setUp(world)
            let annas = try #require(try ana.0.record("interactions", id: visit)?["customer_id"].textValue)
            let other = try await secondCustomer(of: ana, in: world)

            world.tick(ana.1, sue.1)
            _ = try await world.transport("sue").reassign(customer: other, ReassignRequest(to: "ben"))
            world.tick(ana.1, sue.1)
            try ana.0.write("interactions", id: visit, values: [("customer_id", .text(other))])

            let synced = try await world.synchronizer(ana.0, clock: ana.1).sync()
            #expect(synced.push.rejected == 1 && synced.pull.removedCustomers == 1)
            let rejected = try ana.0.rejectedChanges()
            #expect(rejected.map(\.change.value) == [.text(other)])
            #expect(rejected.first?.message.contains("cannot move to customer \(other)") == true)
            #expect(synced.push.removedRecords == 0)
            // Removing the customer it was moved to on the device did not take it: it is still Ana's.
            #expect(try ana.0.record("interactions", id: visit)?["customer_id"] == .text(annas))
            #expect(try await matches(ana, Staff.ana, in: world))
        }
    }

    @Test("settling a conflict on a visit's customer with Ben's customer moves the visit off Ana's device")
    func moveBySettlement() async throws {
        try await withSyncWorld { world in
            let (ana, ben, sue, visit, bens) = try await setUp(world)
            let other = try await secondCustomer(of: ana, in: world)
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()

            // Without seeing each other, Sue files the visit under Ben's customer, then Ana under her other one.
            world.tick(ana.1, sue.1)
            try sue.0.write("interactions", id: visit, values: [("customer_id", .text(bens))])
            world.tick(ana.1, sue.1)
            try ana.0.write("interactions", id: visit, values: [("customer_id", .text(other))])
            _ = try await world.synchronizer(ana.0, clock: ana.1).sync()
            _ = try await world.synchronizer(sue.0, clock: sue.1).sync()
            let conflict = try #require(try await world.transport("sue").conflicts(status: .open).first)
            #expect(conflict.column == "customer_id")
            let suesSide = try #require(conflict.sides.first { $0.value == .text(bens) })
            #expect(try await world.synchronizer(ana.0, clock: ana.1).sync().pull.removedRecords == 0)

            _ = try await world.transport("sue").settle(
                id: conflict.id, SettleRequest(resolution: .keep(suesSide.version)))
            #expect(try await world.synchronizer(ana.0, clock: ana.1).sync().pull.removedRecords == 1)
            #expect(try ana.0.record("interactions", id: visit) == nil)
            #expect(try await matches(ana, Staff.ana, in: world))
            _ = try await world.synchronizer(ben.0, clock: ben.1).sync()
            #expect(try ben.0.record("interactions", id: visit)?["customer_id"] == .text(bens))
            #expect(try await matches(ben, Staff.ben, in: world))
        }
    }
}
