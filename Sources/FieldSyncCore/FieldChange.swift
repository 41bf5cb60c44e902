/// One field of one row, as written by one replica: the unit of sync.
public struct FieldChange: Hashable, Sendable {
    public var table: String
    public var rowID: String
    public var column: String
    public var value: Value
    public var version: Version
    /// The version of this field its writer had last seen from the service;
    /// nil for a field the writer created. A base that differs from what the
    /// service holds means two people edited the field without seeing each other.
    public var base: Version?

    public init(table: String, rowID: String, column: String, value: Value, version: Version, base: Version? = nil) {
        self.table = table
        self.rowID = rowID
        self.column = column
        self.value = value
        self.version = version
        self.base = base
    }

    public var field: FieldRef { FieldRef(table: table, rowID: rowID, column: column) }
}

/// Names one field of one row.
public struct FieldRef: Hashable, Sendable, CustomStringConvertible {
    public var table: String
    public var rowID: String
    public var column: String

    public init(table: String, rowID: String, column: String) {
        self.table = table
        self.rowID = rowID
        self.column = column
    }

    public var description: String { "\(table)/\(rowID)/\(column)" }
}
