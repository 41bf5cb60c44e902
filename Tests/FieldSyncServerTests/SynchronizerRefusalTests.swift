import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncTestSupport
import Testing

/// A push the service refuses whole (400) for changes that break its schema:
/// the device sets those aside and sends the rest.
@Suite("Synchronizer: pushes refused whole")
struct SynchronizerRefusalTests {
    /// Ana's customer, synced, then her unsent edits of it; her next push is refused whole.
    func refusedEdit(_ world: SyncWorld, _ fields: [(column: String, value: Value)]) async throws -> (
        ana: Replica, clock: ManualWallClock, customer: String, transport: FaultyTransport
    ) {
        let (ana, anaClock) = try world.device("ana", manager: "ana.lima")
        let id = try ana.addCustomer("Ana Silva", phone: "+351 1")
        _ = try await world.synchronizer(ana, clock: anaClock).sync()
        world.tick(anaClock)
        try ana.write("customers", id: id, values: fields)
        let transport = world.transport("ana.lima")
        transport.refusePushNumber = transport.pushes + 1
        return (ana, anaClock, id, transport)
    }

    @Test(
        "a batch refused whole for one change: the others stay pending until the service takes them, even if the retry fails"
    )
    func refusedBatchKeepsTheRest() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock, id, transport) = try await refusedEdit(
                world, [("city", .text("Porto")), ("phone", .text("+351 2"))])
            transport.failPushNumber = transport.pushes + 2
            await #expect(throws: SyncError.self) { try await world.synchronizer(ana, clock: anaClock).push() }
            #expect(try ana.rejectedChanges().map(\.change.column) == ["city"])
            #expect(try ana.pendingCount() == 1)

            let pushed = try await world.synchronizer(ana, clock: anaClock).push()
            #expect(pushed.sent == 1 && pushed.accepted == 1)
            #expect(try ana.pendingCount() == 0)
            #expect(try await world.store.history(table: "customers", id: id, column: "phone").entries.count == 2)
        }
    }

    /// The service wrote nothing: a change it names under another version
    /// than the one sent must stay pending, not pass for taken; and sending
    /// the same batch again would meet the same answer.
    @Test("a batch refused whole naming a change under another version: a service error, the change still pending")
    func refusalOfAnotherVersion() async throws {
        try await withSyncWorld { world in
            let (ana, anaClock, id, transport) = try await refusedEdit(world, [("phone", .text("+351 2"))])
            transport.refuseUnderAnotherVersion = true
            let pushesBefore = transport.pushes
            let refused = await #expect(throws: SyncError.self) {
                try await world.synchronizer(ana, clock: anaClock).push()
            }
            #expect(refused?.code == .serverError && transport.pushes == pushesBefore + 1)
            #expect(try ana.pendingCount() == 1 && ana.rejectedChanges().isEmpty)

            let pushed = try await world.synchronizer(ana, clock: anaClock).push()
            #expect(pushed.accepted == 1 && pushed.rejected == 0)
            let history = try await world.store.history(table: "customers", id: id, column: "phone")
            #expect(history.entries.contains { $0.value == .text("+351 2") })
        }
    }
}
