import FieldSyncCore

/// The record schema as JSON: protocol/schema.json is this document for
/// `Schema.default` (pinned by a test), and `fieldsync schema` prints it.
public struct SchemaDocument: Encodable {
    public let schema: Schema

    public init(_ schema: Schema) { self.schema = schema }

    enum Keys: String, CodingKey { case format, version, tables }

    enum TableKeys: String, CodingKey {
        case name, summary, columns
        case parentColumn = "parent_column"
        case ownerColumn = "owner_column"
    }

    enum ColumnKeys: String, CodingKey {
        case name, type, storage, required, summary, values, references
        case currencyColumn = "currency_column"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode("fieldsync-schema", forKey: .format)
        try container.encode(schema.version, forKey: .version)
        var tables = container.nestedUnkeyedContainer(forKey: .tables)
        for table in schema.tables {
            var object = tables.nestedContainer(keyedBy: TableKeys.self)
            try object.encode(table.name, forKey: .name)
            try object.encode(table.summary, forKey: .summary)
            try object.encodeIfPresent(table.parentColumn, forKey: .parentColumn)
            try object.encodeIfPresent(table.ownerColumn, forKey: .ownerColumn)
            var columns = object.nestedUnkeyedContainer(forKey: .columns)
            for column in table.columns {
                var entry = columns.nestedContainer(keyedBy: ColumnKeys.self)
                try entry.encode(column.name, forKey: .name)
                try entry.encode(column.type.name, forKey: .type)
                try entry.encode(column.type.storage.rawValue, forKey: .storage)
                try entry.encode(column.required, forKey: .required)
                try entry.encode(column.summary, forKey: .summary)
                switch column.type {
                case .enumeration(let values): try entry.encode(values, forKey: .values)
                case .money(let currencyColumn): try entry.encode(currencyColumn, forKey: .currencyColumn)
                case .reference(let table): try entry.encode(table, forKey: .references)
                default: break
                }
            }
        }
    }
}
