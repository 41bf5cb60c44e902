import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

struct CustomerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer", abstract: "Customers' files.",
        subcommands: [Add.self, Edit.self, Show.self, List.self, Delete.self, Reassign.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a customer; prints the new id.",
            discussion: "Example: fieldsync customer add \"Ana Silva\" phone=+351912345678 city=Lisbon risk_profile=balanced")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The customer's full name.") var name: String
        @Argument(help: "More fields as COLUMN=VALUE.") var assignments: [String] = []
        @Option(help: "The owning manager (default: this replica's manager).") var owner: String?

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let owner = try PeopleCommands.manager(replica, owner)
                try PeopleCommands.add(
                    global, replica, "customers", options: [("full_name", name), ("owner", owner)], assignments: assignments)
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change fields of a customer.", discussion: "Example: fieldsync customer edit ID phone=+351... tier=premium")

        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Argument(help: "COLUMN=VALUE (an empty VALUE clears the field).") var assignments: [String]

        func run() throws {
            try global.run { try PeopleCommands.edit(global, "customers", id: id, assignments: assignments) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a customer's file.")

        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() throws {
            try global.run { try PeopleCommands.show(global, "customers", id: id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List customers.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only customers whose name contains this text.") var search: String?

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let customers = try replica.records("customers", orderBy: "full_name")
                PeopleCommands.list(global, customers, columns: ["full_name", "phone", "city", "tier"]) { record in
                    guard let search else { return true }
                    return record["full_name"].description.localizedCaseInsensitiveContains(search)
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a customer.")

        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() throws {
            try global.run { try PeopleCommands.delete(global, "customers", id: id) }
        }
    }
}
