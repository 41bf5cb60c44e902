import FieldSyncCore

/// What settling a conflict writes, whatever the store: the kept side's
/// value, or a new one; on an edit-on-deleted conflict, anything but keeping
/// the deletion brings the record back.
package enum ConflictSettlement {
    package static func fields(
        _ conflict: Conflict, _ resolution: ConflictResolution, schema: Schema
    ) throws -> (table: TableSchema, fields: [(column: String, value: Value)]) {
        guard conflict.status == .open else {
            throw ServiceError(
                .alreadySettled,
                "conflict \(conflict.id) was settled by \(conflict.settlement?.by ?? "someone") already; its value is the current one")
        }
        let table = try schema.table(conflict.table)
        var fields: [(column: String, value: Value)]
        switch resolution {
        case .keep(let version):
            guard let side = conflict.sides.first(where: { $0.version == version }) else {
                throw ServiceError(
                    .badArgument,
                    "conflict \(conflict.id) has no side with version \(version); keep one of: \(conflict.sides.map(\.version.description).joined(separator: ", "))")
            }
            fields = [(side.column, side.value)]
        case .value(let value):
            fields = [(conflict.column, value)]
        }
        if conflict.kind == .editOnDeleted {
            // Keeping the edit, or a new value, brings the record back.
            let keepsDeletion = fields.first?.column == TableSchema.deletedColumn
            if !keepsDeletion { fields.append((TableSchema.deletedColumn, .integer(0))) }
        }
        return (table, fields)
    }
}
