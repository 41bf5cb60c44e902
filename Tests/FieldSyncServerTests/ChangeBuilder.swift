import FieldSyncCore
import FieldSyncProtocol

/// Hand-made pushes with exact versions, so each test says precisely which
/// edit saw which.
struct Writer {
    let replica: ReplicaID
    let manager: String

    init(_ raw: UInt64, _ manager: String) {
        replica = ReplicaID(rawValue: raw)!
        self.manager = manager
    }

    func version(_ millis: UInt64, _ counter: UInt64 = 0) -> Version {
        Version(timestamp: HybridTimestamp(millis: millis, counter: counter), replica: replica)
    }

    func change(
        _ id: String, _ column: String, _ value: Value, at millis: UInt64, base: Version? = nil,
        table: String = "customers"
    ) -> FieldChange {
        FieldChange(table: table, rowID: id, column: column, value: value, version: version(millis), base: base)
    }

    /// A new customer owned by this writer's manager.
    func newCustomer(_ id: String, name: String, at millis: UInt64) -> [FieldChange] {
        [
            change(id, "owner", .text(manager), at: millis), change(id, "full_name", .text(name), at: millis),
            change(id, "deleted", .integer(0), at: millis),
        ]
    }

    func push(_ changes: [FieldChange], cursor: PullCursor? = nil) -> PushRequest {
        PushRequest(
            changeSet: ChangeSet(schemaVersion: 1, changes: changes), replica: replica, manager: manager, cursor: cursor)
    }
}

enum IDs {
    static let anna = "c0ffee00-0000-4000-8000-000000000001"
    static let bruno = "c0ffee00-0000-4000-8000-000000000002"
    static let visit = "5b1e7c2a-8d3f-4e6a-9b0c-1d2e3f4a5b6c"

    static func customer(_ number: Int) -> String {
        let digits = String(number)
        return "c0ffee00-0000-4000-8000-" + String(repeating: "0", count: 12 - digits.count) + digits
    }
}

let t0: UInt64 = 1_795_000_000_000
