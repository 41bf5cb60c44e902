import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

struct HoldingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holding", abstract: "Products customers bought.", subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a product a customer bought; prints the new id.",
            discussion: "Example: fieldsync holding add CUSTOMER_ID \"Green Bond 2030\" --category bond --amount 25000.00 --currency EUR --maturity 2030-06-30")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The customer's id.") var customer: String
        @Argument(help: "The product's name.") var product: String
        @Option(help: "current_account, savings, term_deposit, bond, fund, equity, insurance, pension, loan or mortgage.")
        var category: String
        // Unconditional: a negative amount (--amount -12.34) is a value, not an option.
        @Option(parsing: .unconditional, help: "The amount, with at most the currency's decimals (25000.00).")
        var amount: String
        @Option(help: "ISO 4217 currency code.") var currency: String
        @Option(help: "When it was bought (YYYY-MM-DD).") var start: String?
        @Option(help: "When it matures (YYYY-MM-DD).") var maturity: String?
        @Option(name: .customLong("stop-loss"), parsing: .unconditional, help: "Stop-loss level, like --amount.")
        var stopLoss: String?
        @Argument(help: "More fields as COLUMN=VALUE.") var assignments: [String] = []

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let minor = try Money.minorUnits(amount, currency: currency, field: "holdings.amount")
                let stop = try stopLoss.map { try Money.minorUnits($0, currency: currency, field: "holdings.stop_loss") }
                try PeopleCommands.add(
                    global, replica, "holdings",
                    options: [
                        ("customer_id", customer), ("product_name", product), ("category", category),
                        ("currency", currency), ("start_date", start), ("maturity_date", maturity), ("status", "active"),
                    ], assignments: assignments,
                    parsed: [("amount", .integer(minor))] + (stop.map { [("stop_loss", .integer($0))] } ?? []))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List holdings.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this customer's.") var customer: String?

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let records = try PeopleCommands.records(replica, "holdings", ofCustomer: customer, orderBy: "product_name")
                PeopleCommands.list(global, records, columns: ["product_name", "category", "amount", "maturity_date"])
            }
        }
    }
}
