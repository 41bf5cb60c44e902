import FieldSyncCore

/// One row of a record table, with each field's version.
public struct Record: Sendable {
    public let table: TableSchema
    public let id: String
    /// In schema column order.
    public let values: [Value]
    /// In schema column order; nil for a field never written.
    public let versions: [Version?]

    package init(table: TableSchema, id: String, values: [Value], versions: [Version?]) {
        self.table = table
        self.id = id
        self.values = values
        self.versions = versions
    }

    public subscript(column: String) -> Value {
        table.columnIndex(column).map { values[$0] } ?? .null
    }

    public var isDeleted: Bool { self[TableSchema.deletedColumn] == .integer(1) }

    /// The fields that have a version, as the digest and exports see them.
    public var versionedFields: [(column: String, value: Value, version: Version)] {
        table.columns.indices.compactMap { index in
            versions[index].map { (table.columns[index].name, values[index], $0) }
        }
    }

    /// The versions in the form a clock row stores them, to change and write back.
    package var fieldVersions: FieldVersions { FieldVersions(versions) }
}
