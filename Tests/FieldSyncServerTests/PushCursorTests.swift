import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncService
import FieldSyncTestSupport
import Testing

/// A push's answer may carry the cursor after the push: the device held
/// everything in its scope, and the service took the push whole, so the
/// device need not pull its own rows back.
@Suite("Push cursor: a device that held everything does not pull its own rows back")
struct PushCursorTests {
    static let anaLima = Staff.all.first { $0.id == "ana.lima" }!

    @Test("a device in step with the service pulls nothing after its push; another device still gets the rows")
    func pushedRowsStayPushed() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            let id = try ana.addCustomer("Ana Silva", phone: "+351 1")

            let first = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(first.push.accepted == 4)
            #expect(first.pull.rows == 0)
            let cursor = try ana.pullCursor()
            world.tick(anaClock, tabletClock)
            try ana.write("customers", id: id, values: [("city", .text("Porto"))])
            let second = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(second.push.accepted == 1)
            #expect(second.pull.rows == 0)
            #expect(try ana.pullCursor().seq > cursor.seq)

            let other = try await world.synchronizer(tablet, clock: tabletClock).sync()
            #expect(other.pull.rows == 1)
            #expect(try tablet.record("customers", id: id)?["city"] == .text("Porto"))
            let central = try await world.store.digest(for: Self.anaLima).digest
            #expect(try ana.digest().digest == central && tablet.digest().digest == central)
        }
    }

    @Test("a change made elsewhere since the device's last pull: the pull brings it, with the pushed row")
    func behindPullsEverything() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            let id = try ana.addCustomer("Ana Silva", phone: "+351 1")
            _ = try await world.synchronizer(ana, clock: anaClock).sync()
            _ = try await world.synchronizer(tablet, clock: tabletClock).sync()

            world.tick(anaClock, tabletClock)
            try tablet.write("customers", id: id, values: [("full_name", .text("Ana M. Silva"))])
            _ = try await world.synchronizer(tablet, clock: tabletClock).sync()
            world.tick(anaClock, tabletClock)
            try ana.write("customers", id: id, values: [("city", .text("Porto"))])
            let behind = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(behind.push.accepted == 1 && behind.pull.rows == 1)
            #expect(try ana.record("customers", id: id)?["full_name"] == .text("Ana M. Silva"))
            #expect(try ana.record("customers", id: id)?["city"] == .text("Porto"))
            let central = try await world.store.digest(for: Self.anaLima).digest
            #expect(try ana.digest().digest == central)
        }
    }

    @Test("a push that records a conflict leaves the cursor where it was; the device ends with the winner")
    func conflictPullsTheWinner() async throws {
        try await withSyncWorld { world in
            let first = try world.device("ana", manager: "ana.lima")
            let second = try world.device("tablet", manager: "ana.lima")
            let id = try await world.customerBothEdit(first, second)
            _ = try await world.synchronizer(second.0, clock: second.1).sync()
            // In step with the service, with its own earlier edit of the phone still to push.
            let device = world.synchronizer(first.0, clock: first.1)
            #expect(try await device.pull().rows == 1)
            let cursor = try first.0.pullCursor()
            #expect(try await device.push().conflictsRecorded == 1)
            #expect(try first.0.pullCursor() == cursor)
            _ = try await device.pull()
            #expect(try first.0.record("customers", id: id)?["phone"] == .text("+351 3"))
            let central = try await world.store.digest(for: Self.anaLima).digest
            #expect(try first.0.digest().digest == central)
        }
    }

    @Test(
        "a field set back on the device by discarding a rejection: the next push's rows come back, and it ends as the service"
    )
    func discardedRowComesBack() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana")
            let id = try ana.addCustomer("Anna Keller")
            _ = try await world.synchronizer(ana, clock: anaClock).sync()
            world.tick(anaClock)
            try ana.write("customers", id: id, values: [("owner", .text("ben"))])
            world.transport("ana").withholdCurrentPushNumber = world.transport("ana").pushes + 1
            #expect(try await world.synchronizer(ana, clock: anaClock).sync().push.rejected == 1)
            // Refused without the service's value: discarding clears the owner here.
            try ana.discardRejected(id: try #require(ana.rejectedChanges().first).id)
            #expect(try ana.record("customers", id: id)?["owner"] == .null)

            world.tick(anaClock)
            try ana.write("customers", id: id, values: [("phone", .text("+41 2"))])
            let synced = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(synced.push.accepted == 1 && synced.pull.rows == 1)
            #expect(try ana.record("customers", id: id)?["owner"] == .text("ana"))
            #expect(try ana.digest().digest == (try await world.store.digest(for: Staff.ana).digest))

            // Settled by that pull: the next push's rows need not come back.
            world.tick(anaClock)
            try ana.write("customers", id: id, values: [("city", .text("Bern"))])
            let next = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(next.pull.rows == 0)
        }
    }

    @Test("the device takes the answer's cursor only while its own is still the one it pushed with")
    func movedCursorStays() throws {
        let directory = TemporaryDirectory()
        let replica = try Replica.create(at: directory.file("r.db"), managerID: "ana")
        try replica.applyPulled(ChangeSet(schemaVersion: 1, changes: []), cursor: PullCursor(seq: 7))
        try replica.acknowledgePush(
            sent: [], rejected: [], atMillis: 0, resumingPull: (from: PullCursor(seq: 5), to: PullCursor(seq: 9)))
        #expect(try replica.pullCursor() == PullCursor(seq: 7))
        try replica.acknowledgePush(
            sent: [], rejected: [], atMillis: 0, resumingPull: (from: PullCursor(seq: 7), to: PullCursor(seq: 9)))
        #expect(try replica.pullCursor() == PullCursor(seq: 9))
    }

    @Test("a customer reassigned away since the last pull: the push is taken, and the pull still removes it")
    func reassignedAwayIsRemoved() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana")
            let id = try ana.addCustomer("Anna Keller")
            _ = try await world.synchronizer(ana, clock: anaClock).sync()
            world.tick(anaClock)
            try ana.write("customers", id: id, values: [("phone", .text("+41 2"))])
            world.tick(anaClock)
            _ = try await world.transport("sue").reassign(customer: id, ReassignRequest(to: "ben"))

            let synced = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(synced.push.accepted == 1 && synced.push.rejected == 0)
            #expect(synced.pull.removedCustomers == 1)
            #expect(try ana.record("customers", id: id) == nil)
            #expect(try ana.digest().digest == (try await world.store.digest(for: Staff.ana).digest))
        }
    }
}
