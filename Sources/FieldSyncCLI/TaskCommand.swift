import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task", abstract: "Follow-ups and reminders.", subcommands: [Add.self, Done.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a follow-up task; prints the new id.",
            discussion: "Example: fieldsync task add CUSTOMER_ID \"Call back about the fund\" --due 2026-12-01 --kind call_back")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The customer's id.") var customer: String
        @Argument(help: "What to do.") var title: String
        @Option(help: "Due date (YYYY-MM-DD).") var due: String
        @Option(help: "call_back, birthday, maturity, complaint, meeting, document or other.") var kind = "call_back"
        @Argument(help: "More fields as COLUMN=VALUE.") var assignments: [String] = []

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                try PeopleCommands.add(
                    global, replica, "tasks",
                    options: [
                        ("customer_id", customer), ("title", title), ("due_date", due), ("kind", kind),
                        ("status", "open"), ("assignee", try replica.syncsAs()),
                    ], assignments: assignments)
            }
        }
    }

    struct Done: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a task done.")

        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() throws {
            try global.run { try PeopleCommands.edit(global, "tasks", id: id, assignments: ["status=done"]) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open tasks by due date.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this customer's.") var customer: String?
        @Flag(help: "Include done and cancelled tasks.") var all = false

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let records = try PeopleCommands.records(replica, "tasks", ofCustomer: customer, orderBy: "due_date")
                PeopleCommands.list(global, records, columns: ["due_date", "kind", "status", "title"]) { record in
                    all || record["status"] == .text("open")
                }
            }
        }
    }
}
