import ArgumentParser
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService

/// `fieldsync-server report`: the branch report, as supervisors get it over HTTP.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per manager: last sync, customers, visits and calls, new information, open tasks, opportunities, conflicts.",
        discussion: """
            Visits and calls count interactions since --since that the manager authored (else on their customers).
            NEW INFO counts customers whose profile gained a value the manager pushed since then. Open tasks are those
            assigned to them, or on their customers when unassigned or assigned to a manager who no longer holds
            the customer; OVERDUE of them are due before today. OPPS are open sales
            opportunities on their customers; CONFLICTS open conflicts on their customers' records.
            """)

    @Option(help: "Only this branch (default: every branch).") var branch: String?
    @Option(help: "The first day counted, YYYY-MM-DD (default: 30 days ago).") var since: String?
    @Flag(help: "Print the report as JSON (as GET /v1/report sends it).") var json = false
    @OptionGroup var storage: StoreOptions

    func run() async throws {
        let report = await storage.withStore { store in
            try await store.report(
                branch: branch, since: try BranchReport.since(since, nowMillis: store.now()), for: Manager.serverConsole)
        }
        if json { return ServerOutput.json(report) }
        print("Branch report for \(report.branch ?? "all branches"), since \(report.since) (today \(report.today))")
        guard !report.managers.isEmpty else {
            // A mistyped branch reads as an empty one: say which branches there are.
            return print(
                report.branch == nil
                    ? "No managers." : "No managers in branch \(report.branch!); `fieldsync-server manager list` shows the branches."
            )
        }
        print(
            TextTable.render(
                [
                    "MANAGER", "BRANCH", "LAST SYNC", "DAYS", "CUSTOMERS", "VISITS", "CALLS", "NEW INFO", "OPEN TASKS",
                    "OVERDUE", "OPPS", "CONFLICTS",
                ],
                report.managers.map {
                    [
                        $0.manager, $0.branch, $0.lastSync.map { String($0.prefix(16)) } ?? "never",
                        $0.daysSinceSync.map(String.init) ?? "-", String($0.customers), String($0.visits),
                        String($0.calls), String($0.customersWithNewInformation), String($0.openTasks),
                        String($0.overdueTasks), String($0.openOpportunities), String($0.openConflicts),
                    ]
                }), terminator: "")
    }
}
