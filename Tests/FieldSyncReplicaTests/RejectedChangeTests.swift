import FieldSyncCore
import FieldSyncReplica
import FieldSyncTestSupport
import Testing

@Suite("Rejected changes")
struct RejectedChangeTests {
    let directory = TemporaryDirectory()
    let wall = ManualWallClock(1_800_000_000_000)
    let customerID = "3f2b8c1e-5d4a-4c6b-9e7f-0a1b2c3d4e5f"

    func makeReplica() throws -> Replica {
        try Replica.create(
            at: directory.file("r.db"), managerID: "ana", replicaID: ReplicaID(rawValue: 1)!, wallClock: wall.read)
    }

    /// Another device's newer value of a field of the customer, as a pull brings it; returns its version.
    func pull(_ column: String, _ value: Value, into replica: Replica) throws -> Version {
        let version = Version(
            timestamp: HybridTimestamp(millis: wall.millis + 5, counter: 0), replica: ReplicaID(rawValue: 9)!)
        _ = try replica.merge(
            ChangeSet(
                schemaVersion: 1,
                changes: [
                    FieldChange(table: "customers", rowID: customerID, column: column, value: value, version: version)
                ]))
        return version
    }

    /// A device whose customer (with a phone) the service took, and whose
    /// next edit of the phone it refused: returns that edit's base.
    func refusedPhoneEdit(_ replica: Replica) throws -> Version? {
        let created = try replica.write(
            "customers", id: customerID,
            values: [("owner", .text("ana")), ("full_name", .text("Ana Silva")), ("phone", .text("1"))], mode: .new)
        try replica.acknowledgePush(sent: created, rejected: [], atMillis: wall.millis)
        wall.advance(1)
        let edit = try replica.write("customers", id: customerID, values: [("phone", .text("2"))])
        try replica.acknowledgePush(
            sent: edit,
            rejected: [
                ChangeRejection(field: edit[0].field, version: edit[0].version, code: .forbidden, message: "refused")
            ], atMillis: wall.millis)
        #expect(try replica.rejectedChanges().count == 1)
        return edit[0].base
    }

    @Test("an edit of a refused field keeps the refused change's base, which is what its writer last saw")
    func baseOfTheRefusedChange() throws {
        let replica = try makeReplica()
        let refusedBase = try refusedPhoneEdit(replica)
        wall.advance(1)
        let fix = try replica.write("customers", id: customerID, values: [("phone", .text("3"))])
        #expect(fix[0].base == refusedBase && refusedBase != nil)
        #expect(try replica.rejectedChanges().isEmpty, "the new edit replaces the refused one")
    }

    /// Otherwise the service, which holds the pulled version, recorded a
    /// conflict with an edit whose writer had seen it.
    @Test("once a pull replaces a refused field's value, the next edit is based on the pulled version")
    func baseAfterAPulledValue() throws {
        let replica = try makeReplica()
        _ = try refusedPhoneEdit(replica)
        let pulled = try pull("phone", .text("9"), into: replica)
        wall.advance(10)
        let edit = try replica.write("customers", id: customerID, values: [("phone", .text("3"))])
        #expect(edit[0].base == pulled)
    }

    @Test("discarding says what became of the field: the service's value, emptied, or a value pulled since kept")
    func discardEffects() throws {
        let replica = try makeReplica()
        _ = try refusedPhoneEdit(replica)
        #expect(try replica.discardRejected(id: try #require(replica.rejectedChanges().first).id).effect == .cleared)

        wall.advance(1)
        let created = try replica.record("customers", id: customerID)!
        let serviceVersion = try #require(created.versions[created.table.columnIndex("full_name")!])
        let edit = try replica.write("customers", id: customerID, values: [("full_name", .text("Ana S."))])
        try replica.acknowledgePush(
            sent: edit,
            rejected: [
                ChangeRejection(
                    field: edit[0].field, version: edit[0].version, code: .forbidden, message: "refused",
                    current: (.text("Ana Silva"), serviceVersion))
            ], atMillis: wall.millis)
        let restored = try replica.discardRejected(id: try #require(replica.rejectedChanges().first).id)
        #expect(restored.effect == .restoredFromService)
        #expect(try replica.record("customers", id: customerID)?["full_name"] == .text("Ana Silva"))

        wall.advance(1)
        let city = try replica.write("customers", id: customerID, values: [("city", .text("Faro"))])
        try replica.acknowledgePush(
            sent: city,
            rejected: [ChangeRejection(field: city[0].field, version: city[0].version, code: .forbidden, message: "x")],
            atMillis: wall.millis)
        _ = try pull("city", .text("Porto"), into: replica)
        let kept = try replica.discardRejected(id: try #require(replica.rejectedChanges().first).id)
        #expect(kept.effect == .keptLaterEdit)
        #expect(try replica.record("customers", id: customerID)?["city"] == .text("Porto"))
    }
}
