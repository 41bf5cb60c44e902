import FieldSyncCore

/// `COLUMN=VALUE` arguments, parsed and validated against a table's schema.
enum FieldAssignments {
    static func parse(_ arguments: [String], table: TableSchema) throws -> [(column: String, value: Value)] {
        try arguments.map { argument in
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw SchemaViolation(
                    .badArgument, field: nil,
                    "expected COLUMN=VALUE, got an argument \(argument.contains("=") ? "without a column before '='" : "without '='"); columns of \(table.name) are: \(table.columns.map(\.name).joined(separator: ", "))"
                )
            }
            let column = String(argument[..<equals])
            let text = String(argument[argument.index(after: equals)...])
            return (column, try table.parse(text, for: column))
        }
    }
}
