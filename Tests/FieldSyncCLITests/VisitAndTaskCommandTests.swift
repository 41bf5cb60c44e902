import Testing

@Suite("visit log/list and task add/done/list")
struct VisitAndTaskCommandTests {
    @Test("visit log stores the interaction with its author; visit list is newest first and filters by customer")
    func visitLogAndList() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let bruno = try await sandbox.addCustomer("Bruno Costa")
        let first = try await sandbox.json(
            "visit", "log", ana, "--channel", "call", "--at", "2026-03-01T10:00:00Z", "--summary", "Reviewed savings",
            "--outcome", "positive", "--opportunity", "Pension plan", "--next-step", "Send brochure")
        let firstID = try #require(first["id"]?.string)
        #expect(first["customer_id"] == .string(ana))
        #expect(first["channel"] == "call")
        #expect(first["occurred_at"] == "2026-03-01T10:00:00Z")
        #expect(first["author"] == "ana.lima")
        #expect(first["outcome"] == "positive")
        #expect(first["opportunity"] == "Pension plan")
        #expect(first["opportunity_status"] == "open")
        #expect(first["next_step"] == "Send brochure")

        let second = try await sandbox.succeed("visit", "log", ana, "--at", "2026-03-05T09:30:00Z", "purpose=review")
        let secondID = second.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(isRecordID(secondID))
        let third = try await sandbox.json("visit", "log", bruno, "--at", "2026-03-03T12:00:00Z")
        let thirdID = try #require(third["id"]?.string)

        let stored = try await sandbox.record("interactions", secondID)
        #expect(stored["channel"] == "visit", "visit is the default channel")
        #expect(stored["purpose"] == "review")
        #expect(stored["opportunity_status"] == .null)

        #expect(try await sandbox.json("visit", "list").ids == [secondID, thirdID, firstID])
        #expect(try await sandbox.json("visit", "list", "--customer", ana).ids == [secondID, firstID])
        #expect(try await sandbox.json("visit", "list", "--customer", ana.uppercased()).ids == [secondID, firstID])
    }

    @Test("visit log without --at stamps the current time")
    func visitLogDefaultsToNow() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let logged = try await sandbox.json("visit", "log", ana)
        let occurred = try #require(logged["occurred_at"]?.string)
        #expect(occurred.count >= 20 && occurred.dropFirst(10).hasPrefix("T"), "got \(occurred)")
    }

    @Test("visit log for a customer the replica does not hold fails [missing_reference]")
    func visitForUnknownCustomer() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let before = try await sandbox.state()
        let result = try await sandbox.fieldsync("visit", "log", Sandbox.newID())
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains("[missing_reference]"), "\(result)")
        #expect(result.stderr.contains("interactions.customer_id"))
        #expect(try await sandbox.state() == before)
    }

    @Test("task add creates an open task assigned to the manager")
    func taskAdd() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let added = try await sandbox.succeed(
            "task", "add", ana, "Call back about the fund", "--due", "2026-12-01", "notes=prefers mornings")
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let task = try await sandbox.record("tasks", id)
        #expect(task["customer_id"] == .string(ana))
        #expect(task["title"] == "Call back about the fund")
        #expect(task["due_date"] == "2026-12-01")
        #expect(task["kind"] == "call_back")
        #expect(task["status"] == "open")
        #expect(task["assignee"] == "ana.lima")
        #expect(task["notes"] == "prefers mornings")
    }

    @Test("task done closes the task: it leaves task list, and task list --all shows it done")
    func taskDone() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let bruno = try await sandbox.addCustomer("Bruno Costa")
        let later = try await sandbox.json("task", "add", ana, "Send contract", "--due", "2026-05-10", "--kind", "document")
        let sooner = try await sandbox.json("task", "add", ana, "Call", "--due", "2026-05-01")
        let other = try await sandbox.json("task", "add", bruno, "Meet", "--due", "2026-04-20", "--kind", "meeting")
        let (laterID, soonerID, otherID) = (
            try #require(later["id"]?.string), try #require(sooner["id"]?.string), try #require(other["id"]?.string)
        )
        #expect(later["kind"] == "document")
        #expect(try await sandbox.json("task", "list").ids == [otherID, soonerID, laterID], "sorted by due date")

        let done = try await sandbox.json("task", "done", soonerID)
        #expect(done["changed"] == .array(["status"]))
        #expect(try await sandbox.record("tasks", soonerID)["status"] == "done")
        #expect(try await sandbox.json("task", "list").ids == [otherID, laterID])
        #expect(try await sandbox.json("task", "list", "--customer", ana).ids == [laterID])
        let all = try await sandbox.json("task", "list", "--all", "--customer", ana)
        #expect(all.ids == [soonerID, laterID])
        #expect(all.element(withID: soonerID)?["status"] == "done")

        let text = try await sandbox.succeed("task", "list")
        #expect(text.lines.count == 3 && text.stdout.contains("Send contract"))
    }
}
