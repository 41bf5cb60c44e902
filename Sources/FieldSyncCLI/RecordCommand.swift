import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

/// Schema-generic access for scripts: any table, any column.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Read and write any record by table and id (for scripts).",
        subcommands: [Set.self, Get.self, List.self, Delete.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set fields of a record; creates it when the id is new (then required fields must be given).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "customers, interactions, tasks or holdings.") var table: String
        @Argument(help: "The record id (a UUID).") var id: String
        @Argument(help: "COLUMN=VALUE (an empty VALUE clears the field).") var assignments: [String]

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let schema = try replica.schema.table(table)
                let values = try FieldAssignments.parse(assignments, table: schema)
                let changes = try replica.write(table, id: id, values: values)
                if global.json {
                    Output.json(["id": try RowID.normalized(id), "changed": changes.map(\.column)])
                } else {
                    Output.line("\(table) \(try RowID.normalized(id)): \(changes.count) field(s) changed")
                }
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a record's fields.")

        @OptionGroup var global: GlobalOptions
        @Argument var table: String
        @Argument var id: String

        func run() throws {
            try global.run { try PeopleCommands.show(global, table, id: id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a table's records.")

        @OptionGroup var global: GlobalOptions
        @Argument var table: String
        @Flag(help: "Include deleted records.") var all = false

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let records = try replica.records(table, includeDeleted: all)
                if global.json {
                    Output.json(records.map(Output.jsonObject))
                } else {
                    let schema = try replica.schema.table(table)
                    let shown = schema.columns.prefix(3)
                    Output.table(
                        ["id"] + shown.map(\.name),
                        records.map { record in [record.id] + shown.map { Output.display(record, $0) } })
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a record (it syncs as deleted=1, like any other edit).")

        @OptionGroup var global: GlobalOptions
        @Argument var table: String
        @Argument var id: String

        func run() throws {
            try global.run { try PeopleCommands.delete(global, table, id: id) }
        }
    }
}

enum ReplicaQueries {
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return RowID.random(using: &generator)
    }
}
