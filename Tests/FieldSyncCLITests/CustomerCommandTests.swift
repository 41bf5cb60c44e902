import Testing

@Suite("customer add, edit, show, list, delete")
struct CustomerCommandTests {
    @Test("customer add prints a new id and stores every field; the owner is the replica's manager")
    func addStoresFields() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer(
            "Ana Silva", "phone=+351912345678", "city=Lisbon", "risk_profile=balanced", "dependents=2",
            "birth_date=1980-04-15")
        let shown = try await sandbox.json("customer", "show", id)
        #expect(shown["id"] == .string(id))
        #expect(shown["full_name"] == "Ana Silva")
        #expect(shown["owner"] == "ana.lima")
        #expect(shown["phone"] == "+351912345678")
        #expect(shown["city"] == "Lisbon")
        #expect(shown["risk_profile"] == "balanced")
        #expect(shown["dependents"] == 2)
        #expect(shown["birth_date"] == "1980-04-15")
        #expect(shown["deleted"] == 0)
        #expect(shown["email"] == .null)
        #expect(shown.keys.count == 21, "id plus the 20 columns of customers")
    }

    @Test("customer add --json prints the new record; --owner overrides the manager")
    func addJSONAndOwner() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica(manager: nil)
        let added = try await sandbox.json("customer", "add", "Bea Costa", "tier=premium", "--owner", "bea.m")
        let id = try #require(added["id"]?.string)
        #expect(isRecordID(id))
        #expect(added["full_name"] == "Bea Costa")
        #expect(added["owner"] == "bea.m")
        #expect(added["tier"] == "premium")
        #expect(try await sandbox.record("customers", id) == added)
    }

    @Test("customer add on a replica without a manager and no --owner fails [required_field]")
    func addWithoutOwner() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica(manager: nil)
        let before = try await sandbox.state()
        let result = try await sandbox.fieldsync("customer", "add", "Bea Costa")
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains("[required_field]"), "\(result)")
        #expect(result.stderr.contains("--owner"))
        #expect(try await sandbox.state() == before)
    }

    @Test("customer edit changes only the named fields and reports them; an empty value clears a field")
    func editChangesFields() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "phone=+351900000000", "city=Lisbon")
        let edited = try await sandbox.json("customer", "edit", id, "phone=+351911111111", "tier=premium", "city=")
        #expect(edited["id"] == .string(id))
        #expect(Set(edited["changed"]?.array?.compactMap(\.string) ?? []) == ["phone", "tier", "city"])
        let shown = try await sandbox.json("customer", "show", id)
        #expect(shown["phone"] == "+351911111111")
        #expect(shown["tier"] == "premium")
        #expect(shown["city"] == .null)
        #expect(shown["full_name"] == "Ana Silva")

        let text = try await sandbox.succeed("customer", "edit", id, "tier=private")
        #expect(text.stdout.contains("Changed: tier"))
    }

    @Test("customer edit to the current value changes nothing and queues nothing")
    func editToSameValue() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        let before = try await sandbox.state()
        let result = try await sandbox.succeed("customer", "edit", id, "city=Lisbon")
        #expect(result.stdout.contains("Nothing changed"))
        #expect(try await sandbox.json("customer", "edit", id, "city=Lisbon")["changed"] == .array([]))
        let after = try await sandbox.state()
        // The change counter is left out: a write that changes nothing still advances it (reported).
        #expect(after.digest == before.digest)
        #expect(after.pending == before.pending)
    }

    @Test("customer show without --json prints one field per line, money and empty fields aside")
    func showForPeople() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        let result = try await sandbox.succeed("customer", "show", id.uppercased())
        let lines = result.lines
        #expect(lines.first?.hasPrefix("id") == true && lines.first?.hasSuffix(id) == true, "\(result)")
        #expect(lines.contains { $0.hasPrefix("full_name") && $0.hasSuffix("Ana Silva") })
        #expect(lines.contains { $0.hasPrefix("city") && $0.hasSuffix("Lisbon") })
        #expect(!lines.contains { $0.hasPrefix("phone") }, "empty fields are not shown")
    }

    @Test("customer list is sorted by name and --search filters case-insensitively")
    func listAndSearch() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let carla = try await sandbox.addCustomer("Carla Mendes")
        let ana = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        let bruno = try await sandbox.addCustomer("Bruno Silva")
        #expect(try await sandbox.json("customer", "list").ids == [ana, bruno, carla])
        #expect(try await sandbox.json("customer", "list", "--search", "SILVA").ids == [ana, bruno])

        let text = try await sandbox.succeed("customer", "list")
        #expect(text.lines.first?.hasPrefix("id") == true)
        #expect(text.lines.count == 4)
        #expect(text.lines[1].contains(ana) && text.lines[1].contains("Lisbon"))
        let none = try await sandbox.succeed("customer", "list", "--search", "nobody")
        #expect(none.stdout.contains("(none)"))
    }

    @Test("customer delete hides the customer from lists but keeps the row with deleted=1")
    func deleteKeepsATombstone() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let bruno = try await sandbox.addCustomer("Bruno Costa")
        let pendingBefore = try await sandbox.state().pending
        let deleted = try await sandbox.json("customer", "delete", ana)
        #expect(deleted == .object(["id": .string(ana), "deleted": true]))
        #expect(try await sandbox.json("customer", "list").ids == [bruno])
        #expect(try await sandbox.json("customer", "show", ana)["deleted"] == 1)
        #expect(try await sandbox.json("record", "list", "customers", "--all").ids.contains(ana))
        #expect(try await sandbox.json("status")["records"]?["customers"] == 1)
        // The customer's deleted field was pending already (set to 0 on add): it is replaced, not added.
        #expect(try await sandbox.state().pending == pendingBefore)
    }
}
