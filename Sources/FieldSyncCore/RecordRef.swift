/// Names one record (row) of one table.
public struct RecordRef: Hashable, Sendable, CustomStringConvertible {
    public var table: String
    public var rowID: String

    public init(table: String, rowID: String) {
        self.table = table
        self.rowID = rowID
    }

    public var description: String { "\(table)/\(rowID)" }
}
