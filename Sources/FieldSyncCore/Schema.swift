/// The record schema, as data: client, service and protocol/schema.json
/// (`fieldsync schema`) all derive from one description, so adding a column is a schema change, not a
/// code hunt.
public struct Schema: Hashable, Sendable {
    public let version: Int
    public let tables: [TableSchema]

    public init(version: Int, tables: [TableSchema]) {
        self.version = version
        self.tables = tables
    }

    public func table(_ name: String) throws(SchemaViolation) -> TableSchema {
        guard let table = tables.first(where: { $0.name == name }) else {
            throw SchemaViolation(
                .unknownTable, field: nil,
                "unknown table '\(name)'; tables are: \(tables.map(\.name).joined(separator: ", "))")
        }
        return table
    }
}

public struct TableSchema: Hashable, Sendable {
    public static let idColumn = "id"
    public static let deletedColumn = "deleted"

    public let name: String
    public let summary: String
    /// The columns after `id`, in storage order; `deleted` is always the last.
    public let columns: [ColumnSchema]
    /// The column naming the customer a child row belongs to (nil for customers).
    public let parentColumn: String?
    /// The column naming the manager who owns the row (customers only).
    public let ownerColumn: String?

    public init(
        name: String, summary: String, columns: [ColumnSchema], parentColumn: String? = nil,
        ownerColumn: String? = nil
    ) {
        self.name = name
        self.summary = summary
        self.columns = columns + [
            ColumnSchema(
                Self.deletedColumn, .boolean, required: true, "1 when the row is deleted; a delete is a field like any other")
        ]
        self.parentColumn = parentColumn
        self.ownerColumn = ownerColumn
    }

    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    public func column(_ name: String) throws(SchemaViolation) -> ColumnSchema {
        guard let index = columnIndex(name) else {
            throw SchemaViolation(
                .unknownColumn, field: "\(self.name).\(name)",
                "unknown column '\(name)' in \(self.name); columns are: \(columns.map(\.name).joined(separator: ", "))")
        }
        return columns[index]
    }

    public var requiredColumns: [ColumnSchema] { columns.filter(\.required) }

    /// The required columns a new record would lack with only `filled` (the
    /// columns given a non-null value). Never `deleted`: a new record is not deleted.
    public func requiredColumnsMissing(filled: Set<String>) -> [ColumnSchema] {
        requiredColumns.filter { $0.name != Self.deletedColumn && !filled.contains($0.name) }
    }
}

public struct ColumnSchema: Hashable, Sendable {
    public let name: String
    public let type: ColumnType
    public let required: Bool
    public let summary: String

    public init(_ name: String, _ type: ColumnType, required: Bool = false, _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

public enum ColumnType: Hashable, Sendable {
    case text
    case integer
    case real
    /// 0 or 1.
    case boolean
    /// ISO-8601 calendar date: `YYYY-MM-DD`.
    case date
    /// ISO-8601 date and time with a zone: `YYYY-MM-DDTHH:MM:SSZ` (or `+HH:MM`).
    case dateTime
    case enumeration([String])
    /// An amount of money in integer minor units (cents), with its currency in the named column.
    case money(currencyColumn: String)
    /// An ISO 4217 code: three upper-case letters.
    case currency
    /// The id of a row of the named table.
    case reference(table: String)
    /// The id of a manager.
    case manager

    public enum Storage: String, Sendable {
        case text = "TEXT"
        case integer = "INTEGER"
        case real = "REAL"
    }

    public var storage: Storage {
        switch self {
        case .integer, .boolean, .money: .integer
        case .real: .real
        case .text, .date, .dateTime, .enumeration, .currency, .reference, .manager: .text
        }
    }

    /// The type's name as protocol/schema.json spells it.
    public var name: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .real: "real"
        case .boolean: "boolean"
        case .date: "date"
        case .dateTime: "datetime"
        case .enumeration: "enum"
        case .money: "money"
        case .currency: "currency"
        case .reference: "reference"
        case .manager: "manager"
        }
    }
}
