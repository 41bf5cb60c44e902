import FieldSyncCore
import FieldSyncReplica
import Logging

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
                "conflict \(conflict.id) was settled by \(conflict.settlement?.by ?? "someone") already; its value is the current one"
            )
        }
        let table = try schema.table(conflict.table)
        var fields: [(column: String, value: Value)]
        switch resolution {
        case .keep(let version):
            guard let side = conflict.sides.first(where: { $0.version == version }) else {
                throw ServiceError(
                    .badArgument,
                    "conflict \(conflict.id) has no side with version \(version); keep one of: \(conflict.sides.map(\.version.description).joined(separator: ", "))"
                )
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

    /// The change of owner a settlement makes, if it gives a customer to
    /// another manager: a reassignment, under the same rules and bookkeeping
    /// as one asked for directly, so the new owner receives the customer's
    /// records and the previous one lets them go.
    package static func reassignment(
        _ table: TableSchema, _ fields: [(column: String, value: Value)], current record: Record?, scope: Scope
    ) -> (from: String?, to: String)? {
        guard table.name == scope.ownerTable.name,
            case .text(let owner)? = fields.first(where: { $0.column == scope.ownerColumn })?.value
        else { return nil }
        let previous = record?[scope.ownerColumn].textValue
        return owner == previous ? nil : (previous, owner)
    }

    /// Whether settling `conflict` could give its customer away: one on the
    /// customer's `owner`, settled by a supervisor or an admin (others may not).
    package static func mayReassign(_ conflict: Conflict, scope: Scope) -> Bool {
        scope.caller.role >= .supervisor && conflict.table == scope.ownerTable.name
            && (conflict.column == scope.ownerColumn || conflict.sides.contains { $0.column == scope.ownerColumn })
    }

    /// The customer a settlement moves a record (a visit, a task) to, if it
    /// changes the record's customer: it must be in the caller's scope, as
    /// for a pushed move.
    package static func movedTo(
        _ table: TableSchema, _ fields: [(column: String, value: Value)], current record: Record?
    ) -> String? {
        guard let parent = table.parentColumn,
            case .text(let customer)? = fields.first(where: { $0.column == parent })?.value
        else { return nil }
        return record?[parent].textValue == customer ? nil : customer
    }

    /// The refusal of a move to a customer the caller does not see, whether
    /// another's or none at all, so ids tell nothing (an admin, who sees every
    /// customer, gets `missing_reference` from the write for one not held).
    package static func notInScope(_ customer: String) -> ServiceError {
        ServiceError(
            .forbidden,
            "customer \(customer) is not one of yours: a record can only be moved to a customer in your scope")
    }

    /// One line per settlement; one that reassigns also logs as a reassignment, for operators who search for those.
    package static func log(settled id: Int64, by caller: Manager, reassignedTo owner: String?, logger: Logger) {
        logger.info("conflict settled", metadata: ["conflict": "\(id)", "by": "\(caller.id)"])
        if let owner {
            logger.info(
                "customer reassigned", metadata: ["by": "\(caller.id)", "to": "\(owner)", "conflict": "\(id)"])
        }
    }
}
