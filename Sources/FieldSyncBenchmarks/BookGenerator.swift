import FieldSyncCore

/// Whole records of a manager's book (customers and what hangs off them),
/// generated from a seed, each stamped as the device that created it would
/// have stamped it: every field under the record's one version.
struct BookGenerator {
    private var generator: SeededGenerator
    private let replica: ReplicaID
    /// Each record's timestamp is one millisecond after the previous one's,
    /// starting in the past so the service's clock bound never trips.
    private var millis = CustomerWorkload.startMillis
    private let schema = Schema.default

    init(seed: UInt64, replica: ReplicaID) {
        generator = SeededGenerator(seed: seed)
        self.replica = replica
    }

    mutating func customer(owner: String) -> (id: String, changes: [FieldChange]) {
        record("customers", fixed: ["owner": .text(owner)])
    }

    mutating func interaction(customer: String, author: String) -> [FieldChange] {
        record("interactions", fixed: ["customer_id": .text(customer), "author": .text(author)]).changes
    }

    mutating func task(customer: String, assignee: String) -> [FieldChange] {
        record("tasks", fixed: ["customer_id": .text(customer), "assignee": .text(assignee)]).changes
    }

    /// A value `column` of `table` accepts, for a device's own edits.
    mutating func value(_ table: String, _ column: String) -> Value {
        let column = try! schema.table(table).column(column)
        return CustomerWorkload.value(for: column, using: &generator)
    }

    mutating func newID() -> String { RowID.random(using: &generator) }

    mutating func randomIndex(below count: Int) -> Int { Int(generator.next() % UInt64(count)) }

    private mutating func record(_ tableName: String, fixed: [String: Value]) -> (id: String, changes: [FieldChange]) {
        let table = try! schema.table(tableName)
        let id = newID()
        millis += 1
        let version = Version(timestamp: HybridTimestamp(millis: millis, counter: 0), replica: replica)
        let changes = table.columns.map { column in
            let value: Value =
                column.name == TableSchema.deletedColumn
                ? .integer(0) : fixed[column.name] ?? CustomerWorkload.value(for: column, using: &generator)
            return FieldChange(table: tableName, rowID: id, column: column.name, value: value, version: version)
        }
        return (id, changes)
    }
}
