import FieldSyncCore
import FieldSyncReplica
import Foundation

/// What the people-facing commands share: creating a record from options
/// plus `COLUMN=VALUE` arguments, and printing it back.
enum PeopleCommands {
    /// Creates a record of `table` and prints its id. Options given as
    /// (column, text) are parsed like `COLUMN=VALUE` arguments.
    static func add(
        _ global: GlobalOptions, _ replica: Replica, _ table: String, options: [(String, String?)],
        assignments: [String], parsed: [(column: String, value: Value)] = []
    ) throws {
        let schema = try replica.schema.table(table)
        var values = parsed
        for case let (column, text?) in options { values.append((column, try schema.parse(text, for: column))) }
        values += try FieldAssignments.parse(assignments, table: schema)
        let id = ReplicaQueries.newID()
        try replica.write(table, id: id, values: values, mode: .new)
        if global.json {
            Output.json(Output.jsonObject(try replica.existingRecord(table, id: id)))
        } else {
            Output.line(id)
        }
    }

    static func edit(_ global: GlobalOptions, _ table: String, id: String, assignments: [String]) throws {
        let replica = try global.openReplica()
        let values = try FieldAssignments.parse(assignments, table: try replica.schema.table(table))
        let changes = try replica.write(table, id: id, values: values, mode: .existing)
        if global.json {
            Output.json(["id": try RowID.normalized(id), "changed": changes.map(\.column)])
        } else {
            Output.line(changes.isEmpty ? "Nothing changed" : "Changed: \(changes.map(\.column).joined(separator: ", "))")
        }
    }

    /// Prints one record: its fields for people, an object under --json.
    static func show(_ global: GlobalOptions, _ table: String, id: String) throws {
        let record = try global.openReplica().existingRecord(table, id: id)
        if global.json { Output.json(Output.jsonObject(record)) } else { Output.fields(record) }
    }

    /// Deletes a record (it syncs as deleted = 1, like any other edit).
    static func delete(_ global: GlobalOptions, _ table: String, id: String) throws {
        try global.openReplica().delete(table, id: id)
        let id = try RowID.normalized(id)
        if global.json { Output.json(["id": id, "deleted": true]) } else { Output.line("Deleted \(table) \(id)") }
    }

    /// A table's records, only those of one customer when `customer` is given.
    static func records(_ replica: Replica, _ table: String, ofCustomer customer: String?, orderBy: String? = nil)
        throws -> [Record]
    {
        guard let customer else { return try replica.records(table, orderBy: orderBy) }
        return try replica.records(table, where: "customer_id", equals: .text(RowID.normalized(customer)), orderBy: orderBy)
    }

    static func list(
        _ global: GlobalOptions, _ records: [Record], columns: [String], filter: (Record) -> Bool = { _ in true }
    ) {
        let shown = records.filter(filter)
        if global.json {
            Output.json(shown.map(Output.jsonObject))
        } else if shown.isEmpty {
            Output.line("(none)")
        } else {
            Output.table(
                ["id"] + columns,
                shown.map { record in
                    [record.id] + columns.map { name in
                        record.table.columns.first { $0.name == name }.map { Output.display(record, $0) } ?? ""
                    }
                })
        }
    }

    /// Today in the device's time zone, or `--date`.
    static func today(_ override: String?) throws -> ISODate.Day {
        if let override {
            guard let day = ISODate.Day(override) else {
                throw SchemaViolation(.badDate, field: nil, "--date expects a date as YYYY-MM-DD")
            }
            return day
        }
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return ISODate.Day(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// The manager of this device, for `owner`, `author` and `assignee`:
    /// its own, or for a device set up without one, whom it syncs as.
    static func manager(_ replica: Replica, _ override: String?) throws -> String {
        guard let manager = try override ?? replica.syncsAs() else {
            throw SchemaViolation(
                .requiredField, field: "customers.owner",
                "this replica has no manager yet: pass --owner, sync once with your token, or create the replica with `fieldsync init --manager ID`"
            )
        }
        return manager
    }
}
