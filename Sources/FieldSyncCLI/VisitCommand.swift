import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

struct VisitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visit", abstract: "Visits, calls and messages (interactions).",
        subcommands: [Log.self, List.self])

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log a contact with a customer; prints the new id.",
            discussion: "Example: fieldsync visit log CUSTOMER_ID --channel visit --summary \"Reviewed savings\" --outcome positive")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The customer's id.") var customer: String
        @Option(help: "visit, call, message, email or event.") var channel = "visit"
        @Option(help: "When it happened (YYYY-MM-DDTHH:MM:SSZ; default: now).") var at: String?
        @Option(help: "Why the contact happened.") var purpose: String?
        @Option(help: "What was said.") var summary: String?
        @Option(help: "positive, neutral, negative or no_answer.") var outcome: String?
        @Option(name: .customLong("next-step"), help: "What happens next.") var nextStep: String?
        @Option(help: "A sales opportunity raised (it is then open).") var opportunity: String?
        @Argument(help: "More fields as COLUMN=VALUE.") var assignments: [String] = []

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let occurredAt = at ?? ISODate.dateTime(millisSinceEpoch: SystemWallClock.millisecondsSinceEpoch())
                try PeopleCommands.add(
                    global, replica, "interactions",
                    options: [
                        ("customer_id", customer), ("channel", channel), ("occurred_at", occurredAt),
                        ("author", try replica.syncsAs()), ("purpose", purpose), ("summary", summary),
                        ("outcome", outcome), ("next_step", nextStep), ("opportunity", opportunity),
                        ("opportunity_status", opportunity.map { _ in "open" }),
                    ], assignments: assignments)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List interactions, newest first.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this customer's.") var customer: String?

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let records = try PeopleCommands.records(replica, "interactions", ofCustomer: customer)
                PeopleCommands.list(
                    global, records.sorted { $0["occurred_at"].description > $1["occurred_at"].description },
                    columns: ["occurred_at", "channel", "customer_id", "outcome", "summary"])
            }
        }
    }
}
