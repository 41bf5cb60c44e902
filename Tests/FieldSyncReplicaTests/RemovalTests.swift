import FieldSyncCore
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import Testing

@Suite("Removal")
struct RemovalTests {
    let directory = TemporaryDirectory()
    let wall = ManualWallClock(1_800_000_000_000)

    /// A page may name a whole branch's customers (a device set up again
    /// pulls every past transfer), beyond what one SQLite statement binds:
    /// 250,000 variables in Debian's build, 32,766 in a stock one. Before the
    /// lists were cut, such a page failed on every retry and the device never
    /// pulled again.
    @Test("a page removing more customers and records than one statement binds is applied, pending edits kept")
    func manyRemovals() throws {
        let replica = try Replica.create(
            at: directory.file("r.db"), managerID: "ana", replicaID: ReplicaID(rawValue: 1)!, wallClock: wall.read)
        let kept = UUID().uuidString.lowercased()
        let leaving = UUID().uuidString.lowercased()
        let visit = UUID().uuidString.lowercased()
        var keptPending = 0
        for customer in [kept, leaving] {
            try replica.write(
                "customers", id: customer, values: [("owner", .text("ana")), ("full_name", .text("Customer"))],
                mode: .new)
            if customer == kept { keptPending = try replica.pendingCount() }
        }
        try replica.write(
            "interactions", id: visit,
            values: [
                ("customer_id", .text(leaving)), ("channel", .text("visit")),
                ("occurred_at", .text("2026-12-01T10:00:00Z")),
            ], mode: .new)
        let others = (0..<260_000).map { _ in UUID().uuidString.lowercased() }
        let removing = others + [leaving]
        let strayRecords = others.prefix(40_000).map { RecordRef(table: "tasks", rowID: $0) }

        #expect(try replica.hasPendingChanges(forCustomers: removing, records: strayRecords))
        let outcome = try replica.applyPulled(
            ChangeSet(schemaVersion: replica.schema.version), cursor: PullCursor(seq: 1), removing: removing,
            removingRecords: strayRecords)

        #expect(outcome.removedCustomers == 1 && outcome.removedRecords == 0)
        #expect(try replica.digest().rows == 1, "only the customer not listed stays")
        #expect(try replica.pendingCount() == keptPending, "the kept customer's edits are still to be sent")
        let setAside = try replica.rejectedChanges()
        #expect(Set(setAside.map(\.change.rowID)) == [leaving, visit], "the removed records' unsent edits are kept")
        #expect(setAside.allSatisfy { $0.code == .forbidden })
        #expect(try replica.pullCursor() == PullCursor(seq: 1))
    }
}
