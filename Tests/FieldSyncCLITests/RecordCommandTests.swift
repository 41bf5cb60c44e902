import Testing

@Suite("record set/get/list/delete")
struct RecordCommandTests {
    @Test("record set with a new id creates the row; record get --json prints its fields as an object")
    func setCreatesAndGetReads() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = Sandbox.newID()
        let set = try await sandbox.json(
            "record", "set", "customers", id, "full_name=Ana Silva", "owner=ana.lima", "city=Lisbon", "dependents=3")
        #expect(set["id"] == .string(id))
        #expect(Set(set["changed"]?.array?.compactMap(\.string) ?? []) == [
            "full_name", "owner", "city", "dependents", "deleted",
        ])

        let record = try await sandbox.record("customers", id)
        #expect(record["id"] == .string(id))
        #expect(record["full_name"] == "Ana Silva")
        #expect(record["owner"] == "ana.lima")
        #expect(record["city"] == "Lisbon")
        #expect(record["dependents"] == 3)
        #expect(record["deleted"] == 0)
        #expect(record["phone"] == .null)
        #expect(record.keys.contains("notes") && record.keys.contains("preferred_channel"))
        #expect(try await sandbox.json("status")["records"]?["customers"] == 1)
    }

    @Test("record set on an existing id edits only the given fields; an upper-case id names the same row")
    func setEditsExisting() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "city=Lisbon", "phone=+351900000000")
        let result = try await sandbox.succeed("record", "set", "customers", id.uppercased(), "city=Porto", "phone=+351900000000")
        #expect(result.stdout.contains("customers \(id): 1 field(s) changed"), "\(result)")
        let record = try await sandbox.record("customers", id)
        #expect(record["city"] == "Porto")
        #expect(record["phone"] == "+351900000000")
        #expect(record["full_name"] == "Ana Silva")
        #expect(try await sandbox.json("record", "list", "customers").ids == [id])
    }

    @Test("record set writes child tables too, checking the customer reference")
    func setChildRecord() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let customer = try await sandbox.addCustomer("Ana Silva")
        let task = Sandbox.newID()
        try await sandbox.succeed(
            "record", "set", "tasks", task, "customer_id=\(customer.uppercased())", "kind=meeting", "title=Review",
            "due_date=2026-07-01", "status=open")
        let record = try await sandbox.record("tasks", task)
        #expect(record["customer_id"] == .string(customer), "references are stored lower-case")
        #expect(record["kind"] == "meeting")
        let holding = Sandbox.newID()
        try await sandbox.succeed(
            "record", "set", "holdings", holding, "customer_id=\(customer)", "category=fund", "product_name=Fund",
            "amount=123456", "currency=USD")
        #expect(try await sandbox.record("holdings", holding)["amount"] == 123_456)
    }

    @Test("record list prints a table's live records; --all adds deleted ones")
    func listAndDelete() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let bruno = try await sandbox.addCustomer("Bruno Costa")
        let both = try await sandbox.json("record", "list", "customers")
        #expect(Set(both.ids) == [ana, bruno])
        #expect(both.element(withID: ana)?["full_name"] == "Ana Silva")

        let deleted = try await sandbox.json("record", "delete", "customers", bruno)
        #expect(deleted == .object(["id": .string(bruno), "deleted": true]))
        #expect(try await sandbox.json("record", "list", "customers").ids == [ana])
        let all = try await sandbox.json("record", "list", "customers", "--all")
        #expect(Set(all.ids) == [ana, bruno])
        #expect(all.element(withID: bruno)?["deleted"] == 1)
        #expect(try await sandbox.record("customers", bruno)["deleted"] == 1)

        let text = try await sandbox.succeed("record", "list", "customers")
        #expect(text.lines.first?.hasPrefix("id") == true && text.lines.first?.contains("full_name") == true)
        #expect(text.stdout.contains(ana) && !text.stdout.contains(bruno))
    }

    @Test("a deleted record comes back when record set writes deleted=0")
    func undelete() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        try await sandbox.succeed("record", "delete", "customers", ana)
        try await sandbox.succeed("record", "set", "customers", ana, "deleted=0")
        #expect(try await sandbox.json("customer", "list").ids == [ana])
    }

    @Test("record get without --json prints the fields for people")
    func getForPeople() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let holding = try await sandbox.json(
            "holding", "add", ana, "Bond", "--category", "bond", "--amount", "99.90", "--currency", "EUR")
        let result = try await sandbox.succeed("record", "get", "holdings", try #require(holding["id"]?.string))
        #expect(result.lines.contains { $0.hasPrefix("amount") && $0.hasSuffix("99.90 EUR") }, "\(result)")
        #expect(result.lines.contains { $0.hasPrefix("product_name") && $0.hasSuffix("Bond") })
    }
}
