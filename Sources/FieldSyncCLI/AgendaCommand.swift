import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

struct Agenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Today's and overdue tasks, birthdays in the next 7 days, holdings maturing in the next 30.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Plan another day (YYYY-MM-DD; default: today).") var date: String?

    func run() throws {
        try global.run {
            let replica = try global.openReplica()
            let today = try PeopleCommands.today(date)
            let plan = try AgendaPlan(replica: replica, today: today)
            func customerName(_ record: Record) -> String { plan.customerNames[record["customer_id"].description] ?? "?" }
            if global.json {
                Output.json([
                    "date": ISODate.dateString(today),
                    "tasks": plan.tasks.map(Output.jsonObject),
                    "birthdays": plan.birthdays.map { ["customer_id": $0.customer.id, "full_name": $0.customer["full_name"].description, "date": ISODate.dateString($0.on)] },
                    "maturing": plan.maturing.map(Output.jsonObject),
                ])
                return
            }
            Output.line("Agenda for \(ISODate.dateString(today))")
            Output.line("\nTasks due (\(plan.tasks.count)):")
            for task in plan.tasks {
                let due = task["due_date"].description
                let overdue = ISODate.Day(due).map { $0 < today } == true ? " (overdue)" : ""
                Output.line("  \(due)\(overdue)  \(customerName(task)): \(task["title"])  [\(task.id)]")
            }
            Output.line("\nBirthdays in the next \(AgendaPlan.birthdayDays) days (\(plan.birthdays.count)):")
            for (customer, day) in plan.birthdays {
                Output.line("  \(ISODate.dateString(day))  \(customer["full_name"])  [\(customer.id)]")
            }
            Output.line("\nHoldings maturing in the next \(AgendaPlan.maturityDays) days (\(plan.maturing.count)):")
            for holding in plan.maturing {
                let amount = holding.table.columns.first { $0.name == "amount" }.map { Output.display(holding, $0) } ?? ""
                Output.line(
                    "  \(holding["maturity_date"])  \(customerName(holding)): \(holding["product_name"]), \(amount)  [\(holding.id)]")
            }
        }
    }
}
