import FieldSyncCore

/// Every accepted change of a record (or one field), oldest version first,
/// with the conflicts about it: the audit trail as `fieldsync-server history` prints it.
public struct RecordHistory: Sendable {
    public struct Entry: Sendable, Equatable {
        public var column: String
        public var value: Value
        /// What the service held for the field when the change arrived.
        public var oldValue: Value
        public var version: Version
        /// Who pushed (or settled, or reassigned) it.
        public var manager: String?
        public var receivedAtMillis: UInt64
        /// Whether it became the field's value then (a change with a lower version arriving late does not).
        public var won: Bool

        package init(
            column: String, value: Value, oldValue: Value, version: Version, manager: String?, receivedAtMillis: UInt64,
            won: Bool
        ) {
            self.column = column
            self.value = value
            self.oldValue = oldValue
            self.version = version
            self.manager = manager
            self.receivedAtMillis = receivedAtMillis
            self.won = won
        }
    }

    public var table: String
    public var id: String
    public var column: String?
    public var entries: [Entry]
    public var conflicts: [Conflict]

    package init(table: String, id: String, column: String?, entries: [Entry], conflicts: [Conflict]) {
        self.table = table
        self.id = id
        self.column = column
        self.entries = entries
        self.conflicts = conflicts
    }
}
