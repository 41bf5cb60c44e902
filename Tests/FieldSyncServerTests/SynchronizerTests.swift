import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import GRDB
import Testing

@Suite("Synchronizer: push, pull and sync against a real server")
struct SynchronizerTests {
    @Test("a customer added on one device reaches another, and all three copies hold the same data")
    func pushThenPullConverges() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            let id = try ana.addCustomer("Ana Silva", phone: "+351 1")

            let pushed = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(pushed.push.sent == 4 && pushed.push.accepted == 4 && pushed.push.rejected == 0)
            #expect(try ana.pendingCount() == 0)

            let pulled = try await world.synchronizer(tablet, clock: tabletClock).sync()
            #expect(pulled.pull.rows == 1)
            #expect(try tablet.record("customers", id: id)?["phone"] == .text("+351 1"))
            let central = try await world.store.digest().digest
            #expect(try tablet.digest().digest == central)
            #expect(try ana.digest().digest == central)
        }
    }

    @Test("a large pull comes in pages, reporting progress after each")
    func pullPages() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            for index in 0..<25 { try ana.addCustomer("Customer \(index)") }
            let pushed = try await world.synchronizer(ana, clock: anaClock, pushBatchSize: 7).push()
            // Three fields a customer (owner, full_name, deleted); a request never splits a
            // customer, so seven fields a request round up to three whole customers.
            #expect(pushed.sent == 75 && pushed.accepted == 75)
            #expect(world.transport("ana.lima").pushes == 9)

            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            var seen: [PullProgress] = []
            let pulled = try await world.synchronizer(tablet, clock: tabletClock, pullPageLimit: 10).pull {
                seen.append($0)
            }
            #expect(pulled.rows == 25 && pulled.pages == 3 && pulled.fields == 75)
            #expect(
                seen == [
                    PullProgress(rows: 10, pages: 1), PullProgress(rows: 20, pages: 2),
                    PullProgress(rows: 25, pages: 3),
                ])
            #expect(try tablet.recordCount("customers") == 25)
        }
    }

    @Test("a pull cut off after its first page keeps that page and resumes after it")
    func pullResumes() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            for index in 0..<25 { try ana.addCustomer("Customer \(index)") }
            _ = try await world.synchronizer(ana, clock: anaClock).push()

            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            let synchronizer = world.synchronizer(tablet, clock: tabletClock, pullPageLimit: 10)
            world.transport("ana.lima").failPullNumber = 2
            await #expect(throws: SyncError.self) { try await synchronizer.pull() }
            #expect(try tablet.recordCount("customers") == 10)
            let cursor = try tablet.pullCursor()
            #expect(cursor != .start)

            let resumed = try await synchronizer.pull()
            #expect(resumed.rows == 15 && resumed.pages == 2)
            #expect(try tablet.digest().digest == (try await world.store.digest().digest))
        }
    }

    @Test("a batch larger than the service takes (long notes): sent again in smaller batches, all of it taken")
    func oversizedBatchIsSplit() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            // 700 customers with 14 KB of notes and of employer: the first batch of 2,000 changes
            // (500 customers) is over the 8 MiB a request may carry.
            let notes = String(repeating: "Met at the branch; discussed the mortgage. ", count: 325)
            for number in 1...700 {
                let id = try ana.addCustomer("Customer \(number)")
                try ana.write("customers", id: id, values: [("notes", .text(notes)), ("employer", .text(notes))])
            }
            let pushed = try await world.synchronizer(ana, clock: anaClock).push()
            #expect(pushed.accepted == pushed.sent && pushed.rejected == 0)
            #expect(try ana.pendingCount() == 0)
            #expect(try await world.store.digest(for: Staff.all.first { $0.id == "ana.lima" }!).rows == 700)
        }
    }

    @Test(
        "a service failing (500) on a change it could not check: that change is kept as rejected, the rest are pushed")
    func serviceFailureOnOneChange() async throws {
        let directory = TemporaryDirectory()
        let ana = try Replica.create(at: directory.file("ana.db"), managerID: "ana")
        try ana.addCustomer("Ana Silva", phone: "+351 1")
        let pending = try ana.pendingChanges()
        let phone = try #require(pending.first { $0.column == "phone" })
        let failed = ErrorResponse(
            code: .internal, message: "the service failed; please report this with the time of the request",
            rejected: [ChangeRejection(field: phone.field, version: phone.version, code: .internal, message: "a bug")])
        let answers = [
            CannedService.Answer(
                status: .internalServerError, body: String(decoding: try WireJSON.encode(failed), as: UTF8.self)),
            CannedService.Answer(
                status: .ok,
                body:
                    #"{"format":"fieldsync-push-result","accepted":\#(pending.count - 1),"rejected":[],"conflicts":0,"server_time":1795000070000}"#
            ),
        ]
        try await CannedService.serving(answers) { url, received in
            let http = HTTPSyncTransport(serverURL: url, token: "fst_test", schemaVersion: ana.schema.version)
            let outcome: Result<PushSummary, any Error>
            do { outcome = .success(try await Synchronizer(replica: ana, transport: http).push()) } catch {
                outcome = .failure(error)
            }
            try await http.shutdown()
            let pushed = try outcome.get()
            #expect(pushed.rejected == 1 && pushed.accepted == pending.count - 1)
            #expect(try ana.rejectedChanges().map(\.change.column) == ["phone"])
            #expect(try ana.rejectedChanges().map(\.code) == [.internal])
            #expect(try ana.pendingCount() == 0)
            // The change set aside was not sent again; the others were.
            let requests = received()
            #expect(requests.count == 2 && requests[0].contains("+351 1") && !requests[1].contains("+351 1"))
            #expect(requests.count == 2 && requests[1].contains("Ana Silva"))
        }
    }

    @Test("offline, a sync changes nothing on the device")
    func offlineLeavesReplicaAlone() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            try ana.addCustomer("Ana Silva")
            let before = try (ana.digest().digest, ana.pendingCount(), ana.pullCursor(), ana.currentSeq())
            world.transport("ana.lima").offline = true
            await #expect(throws: SyncError.self) { try await world.synchronizer(ana, clock: anaClock).sync() }
            let after = try (ana.digest().digest, ana.pendingCount(), ana.pullCursor(), ana.currentSeq())
            #expect(before == after)
            #expect(try ana.syncState().lastSyncMillis == nil)
        }
    }

    @Test(
        "the network drops after push and pull: the sync keeps what it sent and received, and says the conflicts are not counted"
    )
    func conflictCountFails() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let (bruno, brunoClock) = try world.device("bruno", manager: "ana.lima")
            try bruno.addCustomer("Bruno Costa")
            _ = try await world.synchronizer(bruno, clock: brunoClock).sync()
            _ = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(try ana.syncState().openConflicts == 0)

            try ana.addCustomer("Ana Silva")
            world.transport("ana.lima").failConflicts = true
            let synced = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(synced.push.accepted == synced.push.sent && synced.push.sent > 0)
            #expect(synced.pull.pages > 0)
            #expect(synced.openConflicts == nil)
            #expect(synced.countFailure?.contains("unreachable") == true)
            #expect(try ana.pendingCount() == 0)
            // The earlier count is not shown as current.
            #expect(try ana.syncState().openConflicts == nil && ana.syncState().lastSyncMillis != nil)
            _ = try await world.synchronizer(bruno, clock: brunoClock).sync()
            #expect(try bruno.recordCount("customers") == 2)
        }
    }

    @Test("a device clock two hours ahead: changes are re-stamped with the service's time and pushed again")
    func clockSkewRestamps() async throws {
        try await withSyncWorld { world in
            let twoHours: UInt64 = 2 * 3600 * 1000
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima", ahead: twoHours)
            let id = try ana.addCustomer("Ana Silva", phone: "+351 1")

            let pushed = try await world.synchronizer(ana, clock: anaClock).push()
            #expect(pushed.restamped == 4)
            #expect(pushed.sent == 4 && pushed.accepted == 4 && pushed.rejected == 0 && pushed.stillAhead == 0)
            #expect(pushed.clockAheadMillis >= twoHours && pushed.clockAheadMillis < twoHours + 60_000)
            #expect(try ana.pendingCount() == 0 && ana.rejectedChanges().isEmpty)
            #expect(try ana.syncState().clockOffsetMillis >= twoHours)
            // The service holds the customer under a version near its own time, not two hours on.
            let version = try #require(try ana.record("customers", id: id)?.versions.compactMap { $0 }.max())
            #expect(version.timestamp.millis < SyncWorld.start + 60_000)
        }
    }

    @Test(
        "an edit applied by the service but whose answer was lost, then the clock jumps ahead: the re-stamped later edit still wins"
    )
    func restampSupersedesOwnUnacknowledgedEdit() async throws {
        try await withSyncWorld { world in
            // Four minutes ahead: inside the service's five-minute bound, so the first edit is taken.
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima", ahead: 4 * 60 * 1000)
            let id = try ana.addCustomer("Ana Silva", phone: "+351 1")
            _ = try await world.synchronizer(ana, clock: anaClock).sync()
            try ana.write("customers", id: id, values: [("phone", .text("+351 2"))])
            let transport = world.transport("ana.lima")
            transport.losePushAnswerNumber = transport.pushes + 1
            await #expect(throws: SyncError.self) { try await world.synchronizer(ana, clock: anaClock).push() }
            // Then the device's clock jumps two hours on, and she corrects the phone again.
            anaClock.advance(2 * 3600 * 1000)
            try ana.write("customers", id: id, values: [("phone", .text("+351 3"))])
            let synced = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(synced.push.restamped == 1 && synced.push.accepted == 1, "\(synced)")
            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            _ = try await world.synchronizer(tablet, clock: tabletClock).sync()
            for replica in [ana, tablet] {
                #expect(try replica.record("customers", id: id)?["phone"] == .text("+351 3"))
            }
        }
    }

    @Test("after re-stamping, the device whose clock ran ahead does not win a later edit made elsewhere")
    func skewedDeviceDoesNotWinLaterEdits() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima", ahead: 2 * 3600 * 1000)
            let (bruno, brunoClock) = try world.device("bruno", manager: "sue")
            // Ana edits again (still two hours ahead, now corrected by the offset), then her supervisor, a second later.
            let id = try await world.customerBothEdit((ana, anaClock), (bruno, brunoClock))
            let anaPush = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(anaPush.push.restamped == 0 && anaPush.push.accepted == 1)
            _ = try await world.synchronizer(bruno, clock: brunoClock).sync()
            _ = try await world.synchronizer(ana, clock: anaClock).sync()
            for replica in [ana, bruno] {
                #expect(try replica.record("customers", id: id)?["phone"] == .text("+351 3"))
            }
        }
    }

    @Test(
        "a change the service refuses waits in the rejected list with its reason; the rest is taken; discarding it restores the service's value"
    )
    func rejectionsAreKept() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let id = try ana.addCustomer("Ana Silva")
            try ana.write("customers", id: id, values: [("tier", .text("standard"))])
            // An outdated client queued a value this service's schema no longer allows.
            let outdated = try DatabaseQueue(path: ana.path)
            try await outdated.write { db in
                try db.execute(sql: "UPDATE fs_pending SET value = 'gold' WHERE col = 'tier'")
            }
            try outdated.close()
            let pushed = try await world.synchronizer(ana, clock: anaClock).push()
            #expect(pushed.sent == 4 && pushed.accepted == 3 && pushed.rejected == 1)
            let rejected = try ana.rejectedChanges()
            #expect(rejected.map(\.code) == [.notAllowed] && rejected.map(\.change.column) == ["tier"])
            #expect(rejected.first?.message.contains("standard, premium, private") == true)
            #expect(rejected.first?.rejectedAtMillis == anaClock.millis)
            #expect(try ana.pendingCount() == 0)
            let central = try await world.store.digest().digest
            #expect(try ana.digest().digest != central)
            try ana.discardRejected(id: try #require(rejected.first?.id))
            #expect(try ana.rejectedChanges().isEmpty)
            #expect(try ana.digest().digest == central)
        }
    }

    @Test(
        "a customer refused whole (another manager's as owner): setting its owner to oneself sends every field again, and the service takes it complete"
    )
    func fixingTheOwnerResendsTheRecord() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let id = try ana.addCustomer("Maria Costa", owner: "bruno.costa", phone: "+351 1")
            let refused = try await world.synchronizer(ana, clock: anaClock).push()
            #expect(refused.accepted == 0 && refused.rejected == 4, "\(refused)")
            #expect(try ana.rejectedChanges().allSatisfy { $0.code == .forbidden })

            world.tick(anaClock)
            try ana.write("customers", id: id, values: [("owner", .text("ana.lima"))])
            #expect(try ana.rejectedChanges().isEmpty && ana.pendingCount() == 4)
            let taken = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(taken.push.accepted == 4 && taken.push.rejected == 0, "\(taken)")
            let (tablet, tabletClock) = try world.device("tablet", manager: "ana.lima")
            _ = try await world.synchronizer(tablet, clock: tabletClock).sync()
            let held = try #require(try tablet.record("customers", id: id))
            #expect(held["full_name"] == .text("Maria Costa") && held["phone"] == .text("+351 1"), "\(held)")
            #expect(try ana.digest().digest == (try await world.store.digest()).digest)
        }
    }

    @Test(
        "discarding every refused change of a customer the service never had removes it and its visit, whichever goes first: the device is in sync again",
        arguments: [true, false])
    func discardingANeverSyncedRecordRemovesIt(customerFirst: Bool) async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let kept = try ana.addCustomer("Ana Silva")
            let id = try ana.addCustomer("Maria Costa", owner: "bruno.costa")
            let visit = UUID().uuidString.lowercased()
            try ana.write(
                "interactions", id: visit,
                values: [
                    ("customer_id", .text(id)), ("channel", .text("visit")),
                    ("occurred_at", .text("2026-11-18T09:00:00Z")),
                ])
            let pushed = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(pushed.push.accepted == 3 && pushed.push.rejected == 7, "\(pushed)")
            let rejected = try ana.rejectedChanges()
            let (first, second) = (
                rejected.filter { ($0.change.table == "customers") == customerFirst },
                rejected.filter { ($0.change.table == "customers") != customerFirst }
            )
            for change in first { try ana.discardRejected(id: change.id) }
            // The customer stays while its visit names it; the visit goes with its last field.
            #expect(try ana.record("customers", id: id) != nil)
            #expect(try (ana.record("interactions", id: visit) != nil) == customerFirst)
            for change in second { try ana.discardRejected(id: change.id) }
            #expect(try ana.record("customers", id: id) == nil && ana.record("interactions", id: visit) == nil)
            #expect(try ana.record("customers", id: kept) != nil)
            #expect(try ana.digest().digest == (try await world.store.digest()).digest)
        }
    }

    @Test(
        "a manager and her supervisor edit one phone: sync counts the conflict for each, and settling pulls the kept value"
    )
    func conflictsAreCountedAndSettled() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
            let (bruno, brunoClock) = try world.device("bruno", manager: "sue")
            let (carla, carlaClock) = try world.device("carla", manager: "carla.dias")
            let id = try await world.customerBothEdit((ana, anaClock), (bruno, brunoClock))
            let anaSync = try await world.synchronizer(ana, clock: anaClock).sync()
            #expect(anaSync.openConflicts == 0)
            let brunoSync = try await world.synchronizer(bruno, clock: brunoClock).sync()
            #expect(brunoSync.push.conflictsRecorded == 1 && brunoSync.openConflicts == 1)
            #expect(try bruno.syncState().openConflicts == 1)
            #expect(try bruno.syncState().lastSyncMillis == brunoSync.completedAtMillis)
            // Carla wrote neither side, and the customer is not hers: she does not even see the conflict.
            #expect(try await world.synchronizer(carla, clock: carlaClock).sync().openConflicts == 0)

            let conflict = try #require(try await world.transport().conflicts(status: .open).first)
            let sides = try #require(conflict.perspective(replica: ana.replicaID, manager: ana.managerID))
            #expect(sides.mine.value == .text("+351 2") && sides.theirs.value == .text("+351 3"))
            #expect(conflict.perspective(replica: carla.replicaID, manager: carla.managerID) == nil)

            world.tick(anaClock, brunoClock)
            let (settled, pulled) = try await world.synchronizer(ana, clock: anaClock).settle(
                conflict: conflict.id, .keep(sides.mine.version))
            #expect(settled.status == .settled && settled.settlement?.by == "ana.lima")
            #expect(pulled.rows == 1)
            #expect(try ana.record("customers", id: id)?["phone"] == .text("+351 2"))
            #expect(try await world.synchronizer(ana, clock: anaClock).sync().openConflicts == 0)
        }
    }
}
