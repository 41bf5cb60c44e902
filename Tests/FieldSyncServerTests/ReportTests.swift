import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

/// The branch report's figures, over HTTP, for supervisors and admins only.
@Suite("Branch report")
struct ReportTests {
    let ana = Writer(0xA, "ana")
    let sue = Writer(0x5, "sue")

    func interaction(_ number: Int, _ channel: String, _ day: String, opportunity: String? = nil) -> [FieldChange] {
        let id = IDs.customer(100 + number)
        var changes = [
            ana.change(id, "customer_id", .text(IDs.anna), at: t0, table: "interactions"),
            ana.change(id, "channel", .text(channel), at: t0, table: "interactions"),
            ana.change(id, "occurred_at", .text(day + "T10:00:00Z"), at: t0, table: "interactions"),
        ]
        if let opportunity {
            changes.append(ana.change(id, "opportunity_status", .text(opportunity), at: t0, table: "interactions"))
        }
        return changes
    }

    func task(_ number: Int, due: String, status: String) -> [FieldChange] {
        let id = IDs.customer(200 + number)
        return [
            ana.change(id, "customer_id", .text(IDs.anna), at: t0, table: "tasks"),
            ana.change(id, "kind", .text("call_back"), at: t0, table: "tasks"),
            ana.change(id, "title", .text("Call"), at: t0, table: "tasks"),
            ana.change(id, "due_date", .text(due), at: t0, table: "tasks"),
            ana.change(id, "status", .text(status), at: t0, table: "tasks"),
        ]
    }

    @Test("per manager: last sync, customers, visits and calls since the day, new information, open and overdue tasks, opportunities, conflicts")
    func figures() async throws {
        try await withTestServer { server in
            // The service's day is 2026-11-18.
            var book = ana.newCustomer(IDs.anna, name: "Anna", at: t0) + ana.newCustomer(IDs.bruno, name: "Bruno", at: t0)
            book.append(ana.change(IDs.anna, "tier", .text("standard"), at: t0))
            book += interaction(1, "visit", "2026-11-10", opportunity: "open") + interaction(2, "call", "2026-11-12")
                + interaction(3, "visit", "2026-10-01", opportunity: "won") + interaction(4, "message", "2026-11-13")
            book += task(1, due: "2026-11-01", status: "open") + task(2, due: "2026-12-01", status: "open")
                + task(3, due: "2026-10-01", status: "done")
            let pushed = try await server.push(ana.push(book)).decode(PushResponse.self)
            try #require(pushed.rejected.isEmpty, "\(pushed.rejected)")
            let tier = sue.change(IDs.anna, "tier", .text("premium"), at: t0 + 10)
            _ = try await server.push(sue.push([tier]))

            let answer = try await server.request(.GET, SyncAPI.report + "?since=2026-11-01", as: "sue")
            let report = try answer.decode(BranchReport.self)
            #expect(report.branch == "north" && report.since == "2026-11-01" && report.today == "2026-11-18")
            #expect(report.managers.map(\.manager) == ["ana", "ana.lima", "ben", "bruno.costa", "carla.dias", "sue"])
            let line = try #require(report.managers.first)
            #expect(line.customers == 2 && line.visits == 1 && line.calls == 1)
            #expect(line.customersWithNewInformation == 2)
            #expect(line.openTasks == 2 && line.overdueTasks == 1 && line.openOpportunities == 1 && line.openConflicts == 1)
            #expect(line.lastSync == ISODate.dateTimeMillis(millisSinceEpoch: server.clock.millis) && line.daysSinceSync == 0)
            let ben = try #require(report.managers.first { $0.manager == "ben" })
            #expect(ben.lastSync == nil && ben.daysSinceSync == nil && ben.customers == 0)
            let supervisor = try #require(report.managers.last)
            #expect(supervisor.customersWithNewInformation == 1 && supervisor.customers == 0)

            // A week later Ana has not synced again; the default period is the last 30 days.
            server.clock.advance(7 * 86_400_000)
            let later = try await server.request(.GET, SyncAPI.report, as: "root").decode(BranchReport.self)
            #expect(later.branch == nil && later.since == "2026-10-26" && later.managers.count == Staff.all.count)
            #expect(later.managers.first { $0.manager == "ana" }?.daysSinceSync == 7)
        }
    }

    /// Reassigning a customer leaves its tasks' assignee as it was: Ana's
    /// task counted for Ana, who could no longer see it, and not for Ben.
    @Test("after a reassignment, the customer's open tasks count for the new owner; a supervisor's own task stays hers")
    func tasksFollowTheCustomer() async throws {
        try await withTestServer { server in
            var book = ana.newCustomer(IDs.anna, name: "Anna", at: t0) + task(1, due: "2026-12-01", status: "open")
            book.append(ana.change(IDs.customer(201), "assignee", .text("ana"), at: t0, table: "tasks"))
            try #require(try await server.push(ana.push(book)).decode(PushResponse.self).rejected.isEmpty)
            let sueTask = IDs.customer(202)
            let hers = [
                ("customer_id", Value.text(IDs.anna)), ("kind", .text("call_back")), ("title", .text("Review")),
                ("due_date", .text("2026-12-01")), ("status", .text("open")), ("assignee", .text("sue")),
            ].map { sue.change(sueTask, $0, $1, at: t0 + 5, table: "tasks") }
            try #require(try await server.push(sue.push(hers)).decode(PushResponse.self).rejected.isEmpty)
            _ = try await server.store.reassign(customer: IDs.anna, to: "ben", by: Staff.admin)

            let report = try await server.request(.GET, SyncAPI.report, as: "sue").decode(BranchReport.self)
            let openTasks = Dictionary(uniqueKeysWithValues: report.managers.map { ($0.manager, $0.openTasks) })
            #expect(openTasks["ana"] == 0 && openTasks["ben"] == 1 && openTasks["sue"] == 1, "\(openTasks)")
        }
    }

    @Test(
        "managers may not read it, whatever they ask; a supervisor reads her own branch only; a bad day or branch is a 400"
    )
    func access() async throws {
        try await withTestServer { server in
            #expect(try await server.request(.GET, SyncAPI.report, as: "ana").status == 403)
            let managerAskingBadly = try await server.request(.GET, SyncAPI.report + "?since=yesterday", as: "ana")
            #expect(managerAskingBadly.status == 403 && managerAskingBadly.error?.code == .forbidden)
            #expect(try await server.request(.GET, SyncAPI.report + "?branch=south", as: "sue").status == 403)
            #expect(try await server.request(.GET, SyncAPI.report + "?branch=south", as: "sol").status == 200)
            #expect(try await server.request(.GET, SyncAPI.report + "?branch=south", as: "root").status == 200)
            let bad = try await server.request(.GET, SyncAPI.report + "?since=yesterday", as: "sue")
            #expect(bad.status == 400 && bad.error?.code == .badDate)
            let notABranch = try await server.request(.GET, SyncAPI.report + "?branch=%00", as: "root")
            #expect(notABranch.status == 400 && notABranch.error?.code == .badArgument, "\(notABranch)")
        }
    }
}
